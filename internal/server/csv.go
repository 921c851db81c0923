package server

import (
	"encoding/csv"
	"net/http"
	"strings"
	"time"
)

// csvCell neutralises spreadsheet formulas: a cell starting with = + - @ or a control
// character is prefixed with a quote (OWASP CSV injection guidance).
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvDate is the day of t in UTC, or "" when t is nil (e.g. a record that is not archived).
func csvDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// streamCSV writes a CSV download named name-YYYY-MM-DD.csv: the header row, then each row
// fill produces, flushed as it goes so a large register streams in flat memory.
func streamCSV(w http.ResponseWriter, name string, header []string, fill func(write func(...string) error) error) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"-"+time.Now().UTC().Format(time.DateOnly)+`.csv"`)
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rows := 0
	err := fill(func(cells ...string) error {
		for i := range cells {
			cells[i] = csvCell(cells[i])
		}
		rows++
		if rows%500 == 0 {
			cw.Flush()
		}
		return cw.Write(cells)
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
