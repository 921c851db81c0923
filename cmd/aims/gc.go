package main

import "runtime/debug"

// Garbage collection of `aims serve`, unless GOGC or GOMEMLIMIT say otherwise. The server's
// live heap is small (about 15 MB under load), so Go's default, collecting whenever the heap
// has doubled, collected several times a second and took a sixth of the server's CPU on a
// list page. Collecting when it has grown fivefold gave 25% more pages a second and a p99
// about a fifth lower on the reference machine (docs/performance.md); the soft memory limit
// makes the collector work harder instead of letting the heap pass it.
const (
	serveGCPercent  = 400
	serveMemoryGoal = 150 << 20
)

// tuneGC applies the settings above where the environment sets none.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryGoal)
	}
}
