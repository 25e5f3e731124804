package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/rtgs/sales-automation/engine/spec"
	"github.com/rtgs/sales-automation/internal/store"
)

// InvalidError is a definition that did not validate; Diagnostics says
// every reason.
type InvalidError struct{ Diagnostics spec.Diagnostics }

func (e *InvalidError) Error() string { return "invalid workflow: " + e.Diagnostics.Error() }

// ErrVersionTaken: the workflow's name and version are stored with other
// content. A changed workflow is a new version (metadata.version), so runs
// pinned to the old one keep reading what they started with.
var ErrVersionTaken = errors.New("this version of the workflow is stored with other content; raise metadata.version")

// Register validates source against cat and stores it as a version of its
// workflow, from origin (store.OriginLibrary or store.OriginAPI). Storing
// content that is already there returns the stored row and created false.
func Register(ctx context.Context, db store.DBTX, filename string, source []byte, origin string, cat spec.Catalog) (store.WorkflowDefinition, bool, error) {
	def, diags := spec.Load(filename, source, spec.Limits{}, cat)
	if len(diags) > 0 {
		return store.WorkflowDefinition{}, false, &InvalidError{Diagnostics: diags}
	}
	sum := sha256.Sum256(source)
	row, created, err := store.NewWorkflowDefinitions(db).Add(ctx, store.WorkflowDefinition{
		Name: def.Name, Version: def.Version, Title: def.Workflow.Metadata.Title,
		ContentHash: sum[:], Source: string(source), Origin: origin,
	})
	if errors.Is(err, store.ErrConflict) {
		return row, false, fmt.Errorf("%s v%d: %w", def.Name, def.Version, ErrVersionTaken)
	}
	return row, created, err
}

// LoadLibrary registers every *.yaml of lib (the shipped workflows/
// library) as library definitions. It is idempotent, so every process may
// call it at start.
func LoadLibrary(ctx context.Context, db store.DBTX, lib fs.FS, cat spec.Catalog) error {
	files, err := fs.Glob(lib, "*.yaml")
	if err != nil {
		return err
	}
	for _, f := range files {
		src, err := fs.ReadFile(lib, f)
		if err != nil {
			return err
		}
		if _, _, err := Register(ctx, db, path.Base(f), src, store.OriginLibrary, cat); err != nil {
			return fmt.Errorf("load workflow library: %s: %w", f, err)
		}
	}
	return nil
}
