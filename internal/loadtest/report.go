package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteJSON writes rep to path, indented.
func WriteJSON(path string, rep *Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteTable prints rep for a terminal: the settings, one row per endpoint and model with
// its ratios to the baseline, the export runs and the server's memory.
func WriteTable(w io.Writer, rep *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "OpenAIMS load harness: %s, tenant %s; client %d CPUs, %s memory, %s, %s\n",
		rep.Base, rep.Tenant, rep.Client.CPUs, megabytes(rep.Client.MemTotal), rep.Client.OS, rep.Client.Go)
	fmt.Fprintf(&b, "%s to %s\n\n", rep.Started.Format("2006-01-02 15:04:05"), rep.Finished.Format("15:04:05 MST"))

	header := []string{"MODEL", "ENDPOINT", "REQS", "ERRORS", "P50 ms", "P95 ms", "P99 ms", "REQ/S", "REQ/S vs BASE", "P99 vs BASE", "TARGET"}
	align := "llrrrrrrrrl"
	if rep.Server != nil {
		header, align = append(header, "SERVER RSS MB"), align+"r"
	}
	var rows [][]string
	missed, met := []string{}, 0
	for _, run := range rep.Runs {
		for _, res := range append([]Result{run.Baseline}, run.Endpoints...) {
			row := resultRow(run, res)
			if rep.Server != nil {
				row = append(row, fmt.Sprintf("%.1f", float64(res.ServerRSS)/1e6))
			}
			rows = append(rows, row)
			switch {
			case strings.HasPrefix(res.Target, "MISS"):
				missed = append(missed, run.Model+" "+res.Name+" "+strings.TrimPrefix(res.Target, "MISS "))
			case res.Target == "ok":
				met++
			}
		}
	}
	b.WriteString(table(header, rows, align))
	fmt.Fprintf(&b, "\nTargets (p99 ≤ %s for lists, records, SoA and heat map; list and record throughput ≥ %.0f%% of the baseline; no errors): %d met, %d missed\n",
		TargetP99, TargetThroughputRatio*100, met, len(missed))
	for _, m := range missed {
		fmt.Fprintf(&b, "  missed: %s\n", m)
	}

	if e := rep.Export; e != nil {
		fmt.Fprintf(&b, "\nCSV export %s, downloaded whole, one run after another:\n", e.Path)
		var rows [][]string
		for i, r := range e.Runs {
			rows = append(rows, []string{strconv.Itoa(i + 1), strconv.Itoa(r.Status), ms(r.FirstByte), ms(r.Total),
				strconv.FormatInt(r.Bytes, 10), strconv.FormatInt(r.Lines, 10), fmt.Sprintf("%.1f", r.MBps()), r.Error})
		}
		b.WriteString(table([]string{"RUN", "STATUS", "FIRST BYTE ms", "TOTAL ms", "BYTES", "LINES", "MB/S", "ERROR"}, rows, "rrrrrrrl"))
	}
	if s := rep.Server; s != nil {
		fmt.Fprintf(&b, "\nServer pid %d: peak RSS (VmHWM) %s; largest sampled RSS %s over %d samples",
			s.PID, megabytes(s.PeakRSS), megabytes(s.MaxSampledRSS), s.Samples)
		if s.ExportRSSBefore > 0 {
			fmt.Fprintf(&b, "; during the export %s before, %s at most", megabytes(s.ExportRSSBefore), megabytes(s.ExportRSSMax))
		}
		b.WriteString("\n")
	}
	if len(rep.Skipped) > 0 {
		b.WriteString("\nNot driven:\n")
		for _, s := range rep.Skipped {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func resultRow(run ModelRun, r Result) []string {
	return []string{run.label(), r.Name, strconv.Itoa(r.Requests), strconv.Itoa(r.Errors),
		ms(r.P50), ms(r.P95), ms(r.P99), fmt.Sprintf("%.1f", r.Throughput),
		times(r.VsBaseline.Throughput), times(r.VsBaseline.P99), r.Target}
}

func ms(m Millis) string { return fmt.Sprintf("%.1f", float64(m)) }

// times writes a ratio as "0.62x"; "-" when it could not be measured.
func times(r float64) string {
	if r == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", r)
}

// megabytes writes a byte count in MB (10^6), "-" when unknown.
func megabytes(n int64) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// table lays rows out in columns under header, two spaces apart, each column aligned as
// align says at its position: 'l' left (names), 'r' right (numbers). Trailing spaces are
// trimmed.
func table(header []string, rows [][]string, align string) string {
	width := make([]int, len(header))
	for _, row := range append([][]string{header}, rows...) {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range append([][]string{header}, rows...) {
		var line strings.Builder
		for i, cell := range row {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			if i < len(align) && align[i] == 'r' {
				line.WriteString(pad + cell)
			} else {
				line.WriteString(cell + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return b.String()
}
