// Package migrations embeds the SQL migrations applied by golang-migrate at start-up.
package migrations

import "embed"

// FS holds every NNNNNN_name.up.sql and .down.sql file.
//
//go:embed *.sql
var FS embed.FS
