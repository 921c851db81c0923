package authz

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPolicyMatchesProductMatrix is the permission matrix of PRODUCT.md, cell by cell.
func TestPolicyMatchesProductMatrix(t *testing.T) {
	t.Parallel()
	e, err := New()
	require.NoError(t, err)
	roles := []string{"admin", "compliance_officer", "auditor", "executive"}
	matrix := map[Permission][]string{
		{Registers, Read}:    roles,
		{Evidence, Read}:     roles,
		{Activity, Read}:     roles,
		{Registers, Write}:   {"admin", "compliance_officer"},
		{Evidence, Write}:    {"admin", "compliance_officer"},
		{Audits, Write}:      {"admin", "compliance_officer"},
		{AuditWork, Write}:   {"auditor"},
		{Registers, Approve}: {"admin", "executive"},
		{Members, Manage}:    {"admin"},
		{Settings, Manage}:   {"admin"},
	}
	for perm, allowed := range matrix {
		for _, role := range roles {
			require.Equal(t, contains(allowed, role), e.Allowed(role, perm), "%s %s", role, perm)
		}
	}
	require.False(t, e.Allowed("", Permission{Registers, Read}), "no role, no access")
	require.False(t, e.Allowed("owner", Permission{Registers, Read}), "unknown role, no access")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
