package lemlist

import (
	"context"
	"testing"
)

// A created campaign's main sequence starts empty; steps go in at their
// index, later ones move up; the simulator refuses what lemlist refuses.
func TestSequenceSteps(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	camp, err := b.client.CreateCampaign(ctx, CreateCampaignRequest{Name: "seq test"})
	if err != nil {
		t.Fatal(err)
	}
	seqs, err := b.client.CampaignSequences(ctx, camp.ID)
	if err != nil || len(seqs) != 1 || seqs[0].ID != camp.SequenceID || len(seqs[0].Steps) != 0 {
		t.Fatalf("sequences of a new campaign: %+v, %v; want its empty main sequence %s", seqs, err, camp.SequenceID)
	}
	if _, err := b.client.AddSequenceStep(ctx, camp.SequenceID, AddStepRequest{Type: "email", Subject: "{{step2Subject}}", Message: "{{step2Body}}", Delay: 3}); err != nil {
		t.Fatal(err)
	}
	first, err := b.client.AddSequenceStep(ctx, camp.SequenceID, AddStepRequest{Type: "email", Subject: "{{step1Subject}}", Message: "{{step1Body}}", Index: 1})
	if err != nil || first.Index != 1 {
		t.Fatalf("step at index 1: %+v, %v", first, err)
	}
	seqs, err = b.client.CampaignSequences(ctx, camp.ID)
	if err != nil || len(seqs[0].Steps) != 2 || seqs[0].Steps[0].Subject != "{{step1Subject}}" ||
		seqs[0].Steps[1].Subject != "{{step2Subject}}" || seqs[0].Steps[1].Index != 2 || seqs[0].Steps[1].Delay != 3 {
		t.Errorf("steps %+v, %v; want step 1 then step 2 (delay 3)", seqs, err)
	}
	if _, err := b.client.AddSequenceStep(ctx, camp.SequenceID, AddStepRequest{Type: "carrierPigeon", Message: "x"}); err == nil {
		t.Error("an unknown step type was accepted")
	}
	if _, err := b.client.AddSequenceStep(ctx, "seq_nope", AddStepRequest{Type: "email", Message: "x"}); !IsNotFound(err) {
		t.Errorf("unknown sequence: %v, want not found", err)
	}
	if _, err := b.client.AddSequenceStep(ctx, camp.SequenceID, AddStepRequest{Type: "email", Message: "x", Delay: -1}); err == nil {
		t.Error("a negative delay was sent")
	}
	if _, err := b.client.CampaignSequences(ctx, "cam_nope"); !IsNotFound(err) {
		t.Errorf("unknown campaign: %v, want not found", err)
	}
}
