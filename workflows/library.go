// Package workflows is the shipped library of workflow definitions
// (prospect-discovery, enrich-and-sync, campaign-launch, yolo-cycle),
// embedded so every process registers them at start (engine.LoadLibrary).
// The format is described by schema.json beside them.
package workflows

import "embed"

// Library holds the *.yaml definitions.
//
//go:embed *.yaml
var Library embed.FS
