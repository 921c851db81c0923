package record_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/record"
)

func TestParseRefs(t *testing.T) {
	t.Parallel()
	for typed, want := range map[string][]int{
		"":                        nil,
		" , ":                     nil,
		"RISK-12":                 {12},
		"risk-12, RISK 40; 7\n12": {12, 40, 7},
		"Risk12":                  {12},
	} {
		got, ok := record.ParseRefs(typed, "RISK", 10)
		require.True(t, ok, typed)
		require.Equal(t, want, got, typed)
	}
	for _, typed := range []string{"the big one", "RISK-0", "RISK--3x", "12 40", "AIS-3"} {
		_, ok := record.ParseRefs(typed, "RISK", 10)
		require.False(t, ok, typed)
	}
	many := make([]string, 11)
	for i := range many {
		many[i] = "RISK-" + strconv.Itoa(i+1)
	}
	_, ok := record.ParseRefs(strings.Join(many, ","), "RISK", 10)
	require.False(t, ok, "more references than allowed")
	_, ok = record.ParseRefs(strings.Join(append(many[:10], "RISK-1"), ","), "RISK", 10)
	require.True(t, ok, "a repeated reference counts once")
}
