package vendorsim

// DevKey is the credential every fake accepts when mounted by Default:
// `rtgs dev` and `rtgs vendorsim` hand it to the clients.
const DevKey = "sim-dev-key"

// Default is a simulator with every fake vendor, each accepting DevKey.
func Default(opts Options) *Sim {
	return New(opts, defaultVendors()...)
}

// defaultVendors is the one list of fakes: a vendor's fake joins the
// simulator by adding its constructor here, one line each, in the order
// `rtgs vendorsim` prints them.
func defaultVendors() []Vendor {
	return []Vendor{
		NewHubSpot(DevKey),
		NewLemlist(DevKey),
		NewExplorium(DevKey),
		NewApollo(DevKey),
		NewAnthropic(DevKey),
		NewGemini(DevKey),
	}
}
