package loadtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ServerMemory is the server process's memory over the run, from /proc/<pid>/status.
type ServerMemory struct {
	PID int `json:"pid"`
	// PeakRSS is VmHWM at the end of the run: the most resident memory the process has had
	// since it started (the start-up included).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// MaxSampledRSS is the largest VmRSS seen by sampling during the run.
	MaxSampledRSS int64 `json:"max_sampled_rss_bytes"`
	// ExportRSSBefore and ExportRSSMax are VmRSS just before the CSV export runs and the
	// largest seen during them: memory that stays flat while 100,000 rows stream.
	ExportRSSBefore int64 `json:"export_rss_before_bytes,omitempty"`
	ExportRSSMax    int64 `json:"export_rss_max_bytes,omitempty"`
	Samples         int   `json:"samples"`
}

// memSampler reads a process's VmRSS periodically.
type memSampler struct {
	pid  int
	done chan struct{}
	wg   sync.WaitGroup

	mu        sync.Mutex
	max       int64
	windowMax int64 // since the last markWindow
	samples   int
	exportAt  int64 // VmRSS when the export window began
	exportMax int64
}

// startMemSampler samples pid every interval until stop. It fails at once when the
// process cannot be read, so a mistyped --server-pid is not found out at the end.
func startMemSampler(pid int, interval time.Duration) (*memSampler, error) {
	rss, _, err := readMemory(pid)
	if err != nil {
		return nil, fmt.Errorf("--server-pid %d: %w", pid, err)
	}
	m := &memSampler{pid: pid, done: make(chan struct{}), max: rss, windowMax: rss, samples: 1}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-m.done:
				return
			case <-tick.C:
				m.sample()
			}
		}
	}()
	return m, nil
}

func (m *memSampler) sample() int64 {
	rss, _, err := readMemory(m.pid)
	if err != nil {
		return 0 // the process is gone; VmHWM at the end says so too
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples++
	m.max = max(m.max, rss)
	m.windowMax = max(m.windowMax, rss)
	return rss
}

// markWindow starts a window of its own (the CSV export's) and returns the RSS now.
func (m *memSampler) markWindow() int64 {
	rss := m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.windowMax = rss
	return rss
}

// windowPeak is the largest RSS since markWindow.
func (m *memSampler) windowPeak() int64 {
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.windowMax
}

// exportWindow records the RSS before the export runs and the peak during them.
func (m *memSampler) exportWindow(before, peak int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.exportAt, m.exportMax = before, peak
}

func (m *memSampler) stop() {
	select {
	case <-m.done:
	default:
		close(m.done)
	}
	m.wg.Wait()
}

// report takes a last sample and the process's high-water mark.
func (m *memSampler) report() *ServerMemory {
	m.sample()
	m.stop()
	_, hwm, _ := readMemory(m.pid)
	m.mu.Lock()
	defer m.mu.Unlock()
	return &ServerMemory{PID: m.pid, PeakRSS: hwm, MaxSampledRSS: m.max, ExportRSSBefore: m.exportAt,
		ExportRSSMax: m.exportMax, Samples: m.samples}
}

// readMemory returns VmRSS and VmHWM of pid, in bytes.
func readMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	s := string(b)
	rss, hwm = statusKB(s, "VmRSS:"), statusKB(s, "VmHWM:")
	if rss == 0 {
		return 0, 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
	}
	return rss, hwm, nil
}

// statusKB reads a "Key:   1234 kB" line of a /proc file, in bytes (0 when absent).
func statusKB(s, key string) int64 {
	for line := range strings.Lines(s) {
		rest, ok := strings.CutPrefix(line, key)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		return n
	}
	return 0
}
