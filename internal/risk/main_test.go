package risk_test

import (
	"testing"

	"github.com/openaims/openaims/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
