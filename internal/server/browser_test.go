package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds a Chromium or Chrome binary, "" when there is none.
func chromiumPath() string {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshotDir is where the journey saves its screenshots: AIMS_SCREENSHOT_DIR, or a new
// temporary directory that outlives the test so the pictures can be looked at.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("AIMS_SCREENSHOT_DIR"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	dir, err := os.MkdirTemp("", "aims-browser-")
	require.NoError(t, err)
	return dir
}

// TestBrowserJourney drives headless Chromium through the officer's day: sign in, open the
// context register, add an issue through the form, find it in the list, sign out.
func TestBrowserJourney(t *testing.T) {
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

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	require.NoError(t, chromedp.Do(browser), "start %s", bin) // the browser lives as long as this context

	// The page's console: a Content-Security-Policy violation or a script error fails the test.
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

	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	// A message of the test's own shows that the console is being read.
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`console.info("journey starts")`)))
	step := 0
	shot := func(name string) {
		t.Helper()
		step++
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
		require.NoError(t, err, "screenshot %s", name)
		file := filepath.Join(shots, fmt.Sprintf("%d-%s.png", step, name))
		require.NoError(t, os.WriteFile(file, buf, 0o644))
		t.Logf("screenshot: %s", file)
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		return strings.TrimPrefix(loc, b.ts.URL)
	}

	// A register page sends an anonymous visitor to sign in, and back after.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(b.ts.URL+"/t/acme/context"),
		chromedp.WaitVisible(chromedp.ID("password")),
	))
	require.Equal(t, "/login?next=%2Ft%2Facme%2Fcontext", location())
	shot("sign-in")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("email"), acmeOfficer),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/t/acme/context/new"]`)),
	))
	require.Equal(t, "/t/acme/context", location())

	// Add an issue through the form.
	title := "Browser journey issue " + uniq("")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/t/acme/context/new"]`)),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), title),
		chromedp.Click(chromedp.CSS(`input[name="origin"][value="external"]`)),
		chromedp.SetValue(chromedp.ID("category"), "technology"),
		chromedp.SendKeys(chromedp.ID("description"), "Added by the headless browser test."),
	))
	shot("new-issue")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("section.history")),
	))
	require.Regexp(t, recordPath, location())
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	require.NoError(t, err)
	require.Contains(t, heading, title)
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	require.Regexp(t, `CTX-\d+ added\.`, flash)

	// It is in the list.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.breadcrumbs a[href="/t/acme/context"]`)),
		chromedp.WaitVisible(chromedp.CSS("main table")),
	))
	table, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main table")))
	require.NoError(t, err)
	require.Contains(t, table, title)
	shot("list")

	// Sign out from the user menu, and land on the sign-in page.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".menu--end summary")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("password")),
	))
	require.Equal(t, "/login", location())
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	require.NoError(t, err)
	require.Equal(t, "Sign in", strings.TrimSpace(h1))
	shot("signed-out")

	// Signed out for real: the register sends the browser back to sign in.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(b.ts.URL+"/t/acme/context"),
		chromedp.WaitVisible(chromedp.ID("password")),
	))

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(console, func(m string) bool { return strings.Contains(m, "journey starts") })
	}, 5*time.Second, 50*time.Millisecond, "the console is read")
	mu.Lock()
	defer mu.Unlock()
	for _, m := range console {
		require.NotContains(t, m, "Content Security Policy", "the pages need nothing the CSP forbids")
		require.NotContains(t, m, "Uncaught", "no script error")
	}
	t.Logf("browser console: %q", console)
}
