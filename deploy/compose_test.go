package deploy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// docker-compose.yml is what `docker compose config` accepts, checked
// with Compose's own loader where no Docker is installed (CI): the
// passwords from .env are required, NATS runs the version the tests run
// and is published on loopback only, every service keeps its data in a
// volume and has a healthcheck, and the Dossier services wait for NATS.
func TestComposeFile(t *testing.T) {
	load := func(env []string) (*types.Project, error) {
		opts, err := cli.NewProjectOptions([]string{filepath.Join("..", "docker-compose.yml")},
			cli.WithWorkingDirectory(".."), cli.WithEnv(env), cli.WithName("dossier"))
		if err != nil {
			t.Fatal(err)
		}
		return opts.LoadProject(context.Background())
	}
	if _, err := load(nil); err == nil || !strings.Contains(err.Error(), "DOSSIER_NATS_PASSWORD") {
		t.Errorf("without passwords: %v, want it refused naming DOSSIER_NATS_PASSWORD", err)
	}
	p, err := load([]string{"DOSSIER_NATS_PASSWORD=d", "NATS_ADMIN_PASSWORD=a", "NATS_READER_PASSWORD=r"})
	if err != nil {
		t.Fatalf("docker compose config: %v", err)
	}
	for _, name := range []string{"nats-1", "nats-2", "nats-3", "dossier-a", "dossier-b"} {
		s, ok := p.Services[name]
		if !ok {
			t.Errorf("no service %s", name)
			continue
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
		if !hasVolumeAt(s, "/data") {
			t.Errorf("%s keeps its data in no volume", name)
		}
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s on %q, not loopback", name, port.Published, port.HostIP)
			}
		}
		if strings.HasPrefix(name, "nats") {
			if s.Image != "nats:"+natsServerVersion(t)+"-alpine" {
				t.Errorf("%s runs %s; the tests run nats-server %s", name, s.Image, natsServerVersion(t))
			}
			continue
		}
		if s.Environment["DOSSIER_NATS_USER"] == nil || *s.Environment["DOSSIER_NATS_USER"] != "dossier" || *s.Environment["DOSSIER_NATS_PASSWORD"] != "d" {
			t.Errorf("%s does not log in to NATS as dossier: %v", name, s.Environment)
		}
		for dep, d := range s.DependsOn {
			if strings.HasPrefix(dep, "nats") && d.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s starts before %s is healthy", name, dep)
			}
		}
	}
}

func hasVolumeAt(s types.ServiceConfig, target string) bool {
	for _, v := range s.Volumes {
		if v.Target == target && v.Type == types.VolumeTypeVolume {
			return true
		}
	}
	return false
}
