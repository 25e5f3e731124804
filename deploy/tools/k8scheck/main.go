// Command k8scheck validates rendered Kubernetes manifests (the output of
// `kubectl kustomize`) without a cluster. kustomize happily renders a
// misspelled field; this catches it and checks the rules this project relies on:
//
//   - every document strictly decodes into its Go API type (unknown or
//     duplicate fields fail), including the KEDA kinds we use;
//   - containers: resources requests+limits, runAsNonRoot,
//     readOnlyRootFilesystem, no privilege escalation;
//   - Deployment containers have liveness and readiness probes;
//   - references resolve inside the render: envFrom ConfigMaps/Secrets,
//     Service and PDB selectors, named Service target ports, the ScaledObject
//     target and TriggerAuthentication, and its Secret;
//   - a worker's terminationGracePeriodSeconds exceeds WORKER_SHUTDOWN_TIMEOUT.
//
// Usage:
//
//	kubectl kustomize DIR | go run ./k8scheck [-external-secret NAME]... [-pinned-images]
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// newObject returns an empty typed object for the kinds we know. Add a kind
// here when the manifests start using it.
func newObject(apiVersion, kind string) any {
	switch apiVersion + "/" + kind {
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}
	case "v1/Secret":
		return &corev1.Secret{}
	case "v1/Service":
		return &corev1.Service{}
	case "v1/Namespace":
		return &corev1.Namespace{}
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}
	case "apps/v1/StatefulSet":
		return &appsv1.StatefulSet{}
	case "batch/v1/Job":
		return &batchv1.Job{}
	case "batch/v1/CronJob":
		return &batchv1.CronJob{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "networking.k8s.io/v1/Ingress":
		return &networkingv1.Ingress{}
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "rbac.authorization.k8s.io/v1/Role":
		return &rbacv1.Role{}
	case "rbac.authorization.k8s.io/v1/RoleBinding":
		return &rbacv1.RoleBinding{}
	case "keda.sh/v1alpha1/ScaledObject":
		return &scaledObject{}
	case "keda.sh/v1alpha1/TriggerAuthentication":
		return &triggerAuthentication{}
	}
	return nil
}

// Minimal KEDA types (the real ones drag in KEDA's whole dependency tree).
// Only the fields this project uses are modelled, so a typo fails the strict
// decode; extend the structs when the manifests start using another field.
type scaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ScaleTargetRef struct {
			APIVersion             string `json:"apiVersion,omitempty"`
			Kind                   string `json:"kind,omitempty"`
			Name                   string `json:"name"`
			EnvSourceContainerName string `json:"envSourceContainerName,omitempty"`
		} `json:"scaleTargetRef"`
		PollingInterval       *int32 `json:"pollingInterval,omitempty"`
		InitialCooldownPeriod *int32 `json:"initialCooldownPeriod,omitempty"`
		CooldownPeriod        *int32 `json:"cooldownPeriod,omitempty"`
		IdleReplicaCount      *int32 `json:"idleReplicaCount,omitempty"`
		MinReplicaCount       *int32 `json:"minReplicaCount,omitempty"`
		MaxReplicaCount       *int32 `json:"maxReplicaCount,omitempty"`
		Advanced              *struct {
			RestoreToOriginalReplicaCount bool `json:"restoreToOriginalReplicaCount,omitempty"`
			HorizontalPodAutoscalerConfig *struct {
				Name     string                                         `json:"name,omitempty"`
				Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
			} `json:"horizontalPodAutoscalerConfig,omitempty"`
		} `json:"advanced,omitempty"`
		Triggers []struct {
			Type              string            `json:"type"`
			Name              string            `json:"name,omitempty"`
			MetricType        string            `json:"metricType,omitempty"`
			UseCachedMetrics  bool              `json:"useCachedMetrics,omitempty"`
			Metadata          map[string]string `json:"metadata"`
			AuthenticationRef *struct {
				Name string `json:"name"`
				Kind string `json:"kind,omitempty"`
			} `json:"authenticationRef,omitempty"`
		} `json:"triggers"`
	} `json:"spec"`
}

type triggerAuthentication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		SecretTargetRef []struct {
			Parameter string `json:"parameter"`
			Name      string `json:"name"`
			Key       string `json:"key"`
		} `json:"secretTargetRef,omitempty"`
		Env []struct {
			Parameter     string `json:"parameter"`
			Name          string `json:"name"`
			ContainerName string `json:"containerName,omitempty"`
		} `json:"env,omitempty"`
	} `json:"spec"`
}

type meta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var external multiFlag
	flag.Var(&external, "external-secret", "Secret name created outside the manifests (may repeat)")
	pinned := flag.Bool("pinned-images", false, "require every image to carry an explicit tag other than latest, or a digest")
	flag.Parse()

	objs, err := decodeAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8scheck:", err)
		os.Exit(1)
	}
	c := &checker{objs: objs, external: external, pinned: *pinned}
	c.run()
	if len(c.problems) > 0 {
		for _, p := range c.problems {
			fmt.Fprintln(os.Stderr, "k8scheck: "+p)
		}
		os.Exit(1)
	}
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.meta.Kind]++
	}
	var summary []string
	for k, n := range kinds {
		summary = append(summary, fmt.Sprintf("%d %s", n, k))
	}
	slices.Sort(summary)
	fmt.Printf("%d objects valid (%s)\n", len(objs), strings.Join(summary, ", "))
}

type object struct {
	meta meta
	obj  any
}

func decodeAll(r io.Reader) ([]object, error) {
	reader := k8syaml.NewYAMLReader(bufio.NewReader(r))
	var out []object
	for i := 0; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var m meta
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		id := fmt.Sprintf("%s %s/%s", m.APIVersion, m.Kind, m.Metadata.Name)
		obj := newObject(m.APIVersion, m.Kind)
		if obj == nil {
			return nil, fmt.Errorf("%s: kind not known to k8scheck (add it to newObject)", id)
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		if m.Metadata.Name == "" {
			return nil, fmt.Errorf("document %d (%s): metadata.name is empty", i, m.Kind)
		}
		out = append(out, object{meta: m, obj: obj})
	}
	if len(out) == 0 {
		return nil, errors.New("no objects on stdin")
	}
	return out, nil
}

type checker struct {
	objs     []object
	external []string
	pinned   bool
	problems []string
}

func (c *checker) errorf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *checker) has(kind, name string) bool {
	if kind == "Secret" && slices.Contains(c.external, name) {
		return true
	}
	for _, o := range c.objs {
		if o.meta.Kind == kind && o.meta.Metadata.Name == name {
			return true
		}
	}
	return false
}

func (c *checker) configMap(name string) *corev1.ConfigMap {
	for _, o := range c.objs {
		if cm, ok := o.obj.(*corev1.ConfigMap); ok && cm.Name == name {
			return cm
		}
	}
	return nil
}

// podTemplates returns the pod templates of workloads, keyed by "Kind/name".
func (c *checker) podTemplates() map[string]*corev1.PodTemplateSpec {
	out := map[string]*corev1.PodTemplateSpec{}
	for _, o := range c.objs {
		switch w := o.obj.(type) {
		case *appsv1.Deployment:
			out["Deployment/"+w.Name] = &w.Spec.Template
		case *appsv1.StatefulSet:
			out["StatefulSet/"+w.Name] = &w.Spec.Template
		case *batchv1.Job:
			out["Job/"+w.Name] = &w.Spec.Template
		case *batchv1.CronJob:
			out["CronJob/"+w.Name] = &w.Spec.JobTemplate.Spec.Template
		}
	}
	return out
}

func (c *checker) run() {
	templates := c.podTemplates()
	for id, t := range templates {
		c.checkPod(id, t)
	}
	for _, o := range c.objs {
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			if sel, err := metav1.LabelSelectorAsSelector(v.Spec.Selector); err != nil || !sel.Matches(labels.Set(v.Spec.Template.Labels)) {
				c.errorf("Deployment/%s: selector does not match its pod template labels", v.Name)
			}
		case *corev1.Service:
			c.checkService(v, templates)
		case *policyv1.PodDisruptionBudget:
			sel, err := metav1.LabelSelectorAsSelector(v.Spec.Selector)
			if err != nil || !matchesAny(sel, templates) {
				c.errorf("PodDisruptionBudget/%s: selector matches no workload", v.Name)
			}
		case *scaledObject:
			c.checkScaledObject(v)
		case *triggerAuthentication:
			for _, ref := range v.Spec.SecretTargetRef {
				if !c.has("Secret", ref.Name) {
					c.errorf("TriggerAuthentication/%s: Secret %q not found (pass -external-secret if it is created out of band)", v.Name, ref.Name)
				}
			}
		}
	}
}

func matchesAny(sel labels.Selector, templates map[string]*corev1.PodTemplateSpec) bool {
	for _, t := range templates {
		if sel.Matches(labels.Set(t.Labels)) {
			return true
		}
	}
	return false
}

func (c *checker) checkPod(id string, t *corev1.PodTemplateSpec) {
	spec := &t.Spec
	podNonRoot := spec.SecurityContext != nil && spec.SecurityContext.RunAsNonRoot != nil && *spec.SecurityContext.RunAsNonRoot
	isDeployment := strings.HasPrefix(id, "Deployment/")
	for _, ctr := range slices.Concat(spec.InitContainers, spec.Containers) {
		where := fmt.Sprintf("%s container %q", id, ctr.Name)
		if ctr.Image == "" {
			c.errorf("%s: no image", where)
		} else if c.pinned && !imagePinned(ctr.Image) {
			c.errorf("%s: image %q is not pinned to a tag or digest", where, ctr.Image)
		}
		res := ctr.Resources
		if res.Requests.Cpu().IsZero() || res.Requests.Memory().IsZero() || res.Limits.Memory().IsZero() {
			c.errorf("%s: needs cpu/memory requests and a memory limit", where)
		}
		sc := ctr.SecurityContext
		nonRoot := podNonRoot || (sc != nil && sc.RunAsNonRoot != nil && *sc.RunAsNonRoot)
		if !nonRoot {
			c.errorf("%s: runAsNonRoot is not set", where)
		}
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			c.errorf("%s: readOnlyRootFilesystem is not true", where)
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			c.errorf("%s: allowPrivilegeEscalation is not false", where)
		}
		if isDeployment && (ctr.LivenessProbe == nil || ctr.ReadinessProbe == nil) {
			c.errorf("%s: needs liveness and readiness probes", where)
		}
		for _, ef := range ctr.EnvFrom {
			if ef.ConfigMapRef != nil && !optional(ef.ConfigMapRef.Optional) && !c.has("ConfigMap", ef.ConfigMapRef.Name) {
				c.errorf("%s: envFrom ConfigMap %q not found", where, ef.ConfigMapRef.Name)
			}
			if ef.SecretRef != nil && !optional(ef.SecretRef.Optional) && !c.has("Secret", ef.SecretRef.Name) {
				c.errorf("%s: envFrom Secret %q not found (pass -external-secret if it is created out of band)", where, ef.SecretRef.Name)
			}
		}
		c.checkShutdown(where, spec, &ctr)
	}
}

// checkShutdown: the kubelet SIGKILLs after terminationGracePeriodSeconds,
// so a worker must get longer than its own WORKER_SHUTDOWN_TIMEOUT.
func (c *checker) checkShutdown(where string, spec *corev1.PodSpec, ctr *corev1.Container) {
	if len(ctr.Command) == 0 || path.Base(ctr.Command[0]) != "worker" {
		return
	}
	timeout := ""
	for _, ef := range ctr.EnvFrom {
		if ef.ConfigMapRef != nil {
			if cm := c.configMap(ef.ConfigMapRef.Name); cm != nil && cm.Data["WORKER_SHUTDOWN_TIMEOUT"] != "" {
				timeout = cm.Data["WORKER_SHUTDOWN_TIMEOUT"]
			}
		}
	}
	for _, e := range ctr.Env {
		if e.Name == "WORKER_SHUTDOWN_TIMEOUT" {
			timeout = e.Value
		}
	}
	if timeout == "" {
		timeout = "30s" // the application's default
	}
	d, err := time.ParseDuration(timeout)
	if err != nil {
		c.errorf("%s: WORKER_SHUTDOWN_TIMEOUT %q: %v", where, timeout, err)
		return
	}
	grace := int64(30) // Kubernetes' default
	if spec.TerminationGracePeriodSeconds != nil {
		grace = *spec.TerminationGracePeriodSeconds
	}
	if time.Duration(grace)*time.Second <= d {
		c.errorf("%s: terminationGracePeriodSeconds %d must exceed WORKER_SHUTDOWN_TIMEOUT %s", where, grace, d)
	}
}

func optional(b *bool) bool { return b != nil && *b }

func imagePinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	// The tag is after the last ':' that follows the last '/' (a registry
	// host may carry a port).
	name := image[strings.LastIndex(image, "/")+1:]
	i := strings.LastIndex(name, ":")
	return i >= 0 && name[i+1:] != "" && name[i+1:] != "latest"
}

func (c *checker) checkService(s *corev1.Service, templates map[string]*corev1.PodTemplateSpec) {
	if len(s.Spec.Selector) == 0 {
		return
	}
	sel := labels.SelectorFromSet(s.Spec.Selector)
	var matched []*corev1.PodTemplateSpec
	for _, t := range templates {
		if sel.Matches(labels.Set(t.Labels)) {
			matched = append(matched, t)
		}
	}
	if len(matched) == 0 {
		c.errorf("Service/%s: selector matches no workload", s.Name)
		return
	}
	for _, p := range s.Spec.Ports {
		if p.TargetPort.StrVal == "" {
			continue
		}
		for _, t := range matched {
			if !hasNamedPort(t, p.TargetPort.StrVal) {
				c.errorf("Service/%s: targetPort %q is not a named container port of the selected pods", s.Name, p.TargetPort.StrVal)
			}
		}
	}
}

func hasNamedPort(t *corev1.PodTemplateSpec, name string) bool {
	for _, ctr := range t.Spec.Containers {
		for _, p := range ctr.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

func (c *checker) checkScaledObject(so *scaledObject) {
	ref := so.Spec.ScaleTargetRef
	kind := ref.Kind
	if kind == "" {
		kind = "Deployment"
	}
	if !c.has(kind, ref.Name) {
		c.errorf("ScaledObject/%s: scale target %s/%s not found", so.Name, kind, ref.Name)
	}
	if lo, hi := so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount; lo != nil && hi != nil && *lo > *hi {
		c.errorf("ScaledObject/%s: minReplicaCount %d > maxReplicaCount %d", so.Name, *lo, *hi)
	}
	if len(so.Spec.Triggers) == 0 {
		c.errorf("ScaledObject/%s: no triggers", so.Name)
	}
	names := map[string]bool{}
	for i, t := range so.Spec.Triggers {
		where := fmt.Sprintf("ScaledObject/%s trigger %d (%s)", so.Name, i, t.Name)
		if t.Name != "" {
			if names[t.Name] {
				c.errorf("%s: duplicate trigger name", where)
			}
			names[t.Name] = true
		}
		if t.AuthenticationRef != nil {
			k := t.AuthenticationRef.Kind
			if k == "" {
				k = "TriggerAuthentication"
			}
			if k == "TriggerAuthentication" && !c.has(k, t.AuthenticationRef.Name) {
				c.errorf("%s: TriggerAuthentication %q not found", where, t.AuthenticationRef.Name)
			}
		}
		if t.Type == "postgresql" {
			if strings.TrimSpace(t.Metadata["query"]) == "" {
				c.errorf("%s: postgresql trigger needs metadata.query", where)
			}
			if _, err := strconv.ParseFloat(t.Metadata["targetQueryValue"], 64); err != nil {
				c.errorf("%s: targetQueryValue: %v", where, err)
			}
			if t.AuthenticationRef == nil && t.Metadata["connectionFromEnv"] == "" && t.Metadata["host"] == "" {
				c.errorf("%s: postgresql trigger has no connection (authenticationRef, connectionFromEnv or host)", where)
			}
		}
	}
}
