package record_test

import (
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
		got, ok := record.ParseRefs(typed, "RISK")
		require.True(t, ok, typed)
		require.Equal(t, want, got, typed)
	}
	for _, typed := range []string{"the big one", "RISK-0", "RISK--3x", "12 40", "AIS-3"} {
		_, ok := record.ParseRefs(typed, "RISK")
		require.False(t, ok, typed)
	}
	got, ok := record.ParseRefs("RISK-1, risk 1, 2", "RISK")
	require.True(t, ok)
	require.Equal(t, []int{1, 2}, got, "a repeated reference counts once")
}
