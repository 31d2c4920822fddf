// Package deploy holds what docker-compose.yml runs beside the dossier
// image (the NATS servers' configuration); its tests check those files
// and the compose file itself where Docker is absent, as in CI.
package deploy
