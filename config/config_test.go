package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.MongoURI != "" || c.Database != "lotse" {
		t.Errorf("defaults: %+v", c)
	}
	if c.SecretSet || len(c.Secret) < 32 {
		t.Errorf("want a generated secret, got set=%v len=%d", c.SecretSet, len(c.Secret))
	}
	if c.SecureCookies() {
		t.Error("http base URL must not force Secure cookies")
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LOTSE_SECRET": "short"}, "LOTSE_SECRET"},
		{map[string]string{"LOTSE_BASE_URL": "localhost:8080"}, "LOTSE_BASE_URL"},
		{map[string]string{"LOTSE_LOG_LEVEL": "loud"}, "LOTSE_LOG_LEVEL"},
		{map[string]string{"LOTSE_TRUSTED_PROXIES": "10.0.0.1, proxy.local"}, "LOTSE_TRUSTED_PROXIES"},
	} {
		_, err := Load(env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want error naming %s, got %v", tc.env, tc.want, err)
		}
	}
}

func TestLoadHTTPS(t *testing.T) {
	c, err := Load(env(map[string]string{"LOTSE_BASE_URL": "https://lotse.example/", "LOTSE_SECRET": strings.Repeat("x", 32)}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SecureCookies() || c.BaseURL != "https://lotse.example" || !c.SecretSet {
		t.Errorf("got %+v", c)
	}
}

func TestLoadTrustedProxies(t *testing.T) {
	c, err := Load(env(map[string]string{"LOTSE_TRUSTED_PROXIES": " 10.0.0.1, 192.168.0.0/16 ,,::1"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Proxies, "|"); got != "10.0.0.1|192.168.0.0/16|::1" {
		t.Errorf("proxies: %q", got)
	}
}

func TestLoadJobs(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || !c.Jobs {
		t.Errorf("default: jobs %v, err %v; want on", c.Jobs, err)
	}
	c, err = Load(env(map[string]string{"LOTSE_JOBS": "off"}))
	if err != nil || c.Jobs {
		t.Errorf("LOTSE_JOBS=off: jobs %v, err %v", c.Jobs, err)
	}
	if _, err := Load(env(map[string]string{"LOTSE_JOBS": "no"})); err == nil || !strings.Contains(err.Error(), "LOTSE_JOBS") {
		t.Errorf("LOTSE_JOBS=no: want an error naming it, got %v", err)
	}
}

func TestJobSpecs(t *testing.T) {
	got, err := JobSpecs([]string{"PATH=/bin", "LOTSE_JOB_NIGHTLY_PROPOSALS= 0 30 2 * * * ", "LOTSE_JOB_TEST_TICK=@every 1s",
		"LOTSE_JOBS=on", "LOTSE_JOB_DIGEST=off", "LOTSE_JOB_EMPTY= "})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"nightly_proposals": "0 30 2 * * *", "test_tick": "@every 1s", "digest": "off"}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	for _, bad := range []string{"LOTSE_JOB_=x", "LOTSE_JOB_night-ly=x"} {
		if _, err := JobSpecs([]string{bad}); err == nil || !strings.Contains(err.Error(), "LOTSE_JOB_") {
			t.Errorf("%s: want an error naming the variable, got %v", bad, err)
		}
	}
}
