package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestBrowserRiskJourney drives headless Chromium through the risk core as the compliance
// officer: record a risk, plan its treatment with an Annex A control, mark the control
// implemented in the Statement of Applicability, and find the risk counted in its cell of
// the heat map, which leads back to it.
func TestBrowserRiskJourney(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium binary: CI must run the browser journey (apt-get install chromium)")
		}
		t.Skip("no Chromium binary; install Debian's chromium to run the browser journey (CI always runs it)")
	}
	t.Parallel()
	b := setup(t)
	shots := screenshotDir(t)
	control := b.controlID(t, "acme", "A.6.2.5") // Deployment: not decided in the demo

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	require.NoError(t, chromedp.Do(browser), "start %s", bin)

	var mu sync.Mutex
	var console []string
	messages := chromedp.Console(browser)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m.String())
			mu.Unlock()
		}
	}()

	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`console.info("risk journey starts")`)))
	step := 0
	shot := func(name string) {
		t.Helper()
		step++
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err, "screenshot %s", name)
		file := filepath.Join(shots, fmt.Sprintf("risk-%d-%s.png", step, name))
		require.NoError(t, os.WriteFile(file, buf, 0o644))
		t.Logf("screenshot: %s", file)
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		return strings.TrimPrefix(loc, b.ts.URL)
	}
	text := func(css string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(css)))
		require.NoError(t, err, "text of %s", css)
		return s
	}
	submit := chromedp.Click(chromedp.CSS(`main form[method="post"] button[type="submit"]`))
	// The inherent cell the new risk is rated in: rare, but with the worst impact.
	const cell = `a[href="/t/acme/risks?cell=1-5"]`
	count := func() int {
		t.Helper()
		n, err := strconv.Atoi(strings.TrimSpace(text(cell + ` .heatmap__count`)))
		require.NoError(t, err)
		return n
	}

	// Sign in on the way to the heat map, and note the cell's count.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(b.ts.URL+"/t/acme/risks/heatmap"),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("email"), acmeOfficer),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(cell)),
	))
	require.Equal(t, "/t/acme/risks/heatmap", location())
	before := count()

	// Record a risk.
	title := "Browser journey risk " + uniq("")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(b.ts.URL+"/t/acme/risks/new"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), title),
		chromedp.Click(chromedp.ID("ai_systems")),
		chromedp.SendKeys(chromedp.ID("event"), "A model update is deployed without the release checks."),
		chromedp.SetValue(chromedp.ID("risk_source"), "system_lifecycle"),
		chromedp.SetValue(chromedp.ID("objective_affected"), "safety"),
		chromedp.SetValue(chromedp.ID("inherent_likelihood"), "1"),
		chromedp.SetValue(chromedp.ID("inherent_impact"), "5"),
	))
	shot("new-risk")
	require.NoError(t, chromedp.Do(ctx, submit, chromedp.WaitVisible(chromedp.CSS("section.history"))))
	riskPath := location()
	require.Regexp(t, `^/t/acme/risks/[0-9a-f-]{36}$`, riskPath)
	require.Contains(t, text("h1"), title)

	// Plan its treatment from the risk's page, with an Annex A control.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href^="/t/acme/treatments/new?risk="]`)),
		chromedp.WaitVisible(chromedp.ID("title")),
	))
	riskBox := `input[name="risk_ids"][value="` + strings.TrimPrefix(riskPath, "/t/acme/risks/") + `"]`
	ticked, err := chromedp.Run(ctx, chromedp.JavascriptAttribute[bool](chromedp.CSS(riskBox), "checked"))
	require.NoError(t, err)
	require.True(t, ticked, "the risk the plan was started from is ticked")
	controlBox := `input[name="control_ids"][value="` + control.String() + `"]`
	treatmentTitle := "Release checklist for model updates " + uniq("")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("title"), treatmentTitle),
		chromedp.Click(chromedp.CSS(controlBox)),
		chromedp.SendKeys(chromedp.ID("act_0_title"), "Add the release checklist to the deployment pipeline"),
	))
	shot("new-treatment")
	require.NoError(t, chromedp.Do(ctx, submit, chromedp.WaitVisible(chromedp.CSS("section.history"))))
	require.Regexp(t, `^/t/acme/treatments/[0-9a-f-]{36}$`, location())
	body := text("main")
	require.Regexp(t, `TRT-\d+ added\.`, body)
	require.Contains(t, body, title, "the plan lists the risk it treats")
	require.Contains(t, body, "A.6.2.5 Deployment", "and the control it uses")
	shot("treatment")

	// Mark the control applicable and implemented, from the plan's link to it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`main a[href="/t/acme/controls/`+control.String()+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/t/acme/controls/`+control.String()+`/edit"]`)),
	))
	require.Contains(t, text("main"), treatmentTitle, "the control's page lists the plan")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/t/acme/controls/`+control.String()+`/edit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="applicability"][value="yes"]`)),
		chromedp.Click(chromedp.CSS(`input[name="applicability"][value="yes"]`)),
		chromedp.Click(chromedp.CSS(`input[name="inclusion_reasons"][value="treatment"]`)),
		chromedp.SetValue(chromedp.ID("implementation_status"), "implemented"),
	))
	shot("control-decision")
	require.NoError(t, chromedp.Do(ctx, submit, chromedp.WaitVisible(chromedp.CSS("section.history"))))
	body = text("main")
	require.Contains(t, body, "A.6.2.5 saved.")
	require.Contains(t, text(".badges"), "Implemented")

	// The Statement of Applicability shows the decision.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(b.ts.URL+"/t/acme/controls/soa"),
		chromedp.WaitVisible(chromedp.CSS(".soa-summary")),
	))
	row := text(`tr:has(a[href="/t/acme/controls/` + control.String() + `"])`)
	require.Contains(t, row, "Applicable")
	require.Contains(t, row, "Implemented")
	require.Contains(t, row, "Risk treatment")

	// The heat map counts the risk in its cell, and the cell lists it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(b.ts.URL+"/t/acme/risks/heatmap"),
		chromedp.WaitVisible(chromedp.CSS(cell)),
	))
	require.Equal(t, before+1, count(), "the new risk is counted in its cell")
	shot("heat-map")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(cell)),
		chromedp.WaitVisible(chromedp.CSS("main table")),
	))
	require.Equal(t, "/t/acme/risks?cell=1-5", location())
	require.Contains(t, text("main"), title, "the cell lists the risk")

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(console, func(m string) bool { return strings.Contains(m, "risk journey starts") })
	}, 5*time.Second, 50*time.Millisecond, "the console is read")
	mu.Lock()
	defer mu.Unlock()
	for _, m := range console {
		require.NotContains(t, m, "Content Security Policy", "the pages need nothing the CSP forbids")
		require.NotContains(t, m, "Uncaught", "no script error")
	}
}
