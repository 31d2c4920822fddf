# A static dossier binary on a minimal base. Build: docker build -t dossier .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
# Badger is a patched copy in the tree (third_party/badger/DOSSIER.md),
# which go.mod's replace needs before anything is downloaded.
COPY third_party third_party
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /dossier ./cmd/dossier

FROM gcr.io/distroless/static-debian12
COPY --from=build /dossier /dossier
COPY examples /examples
EXPOSE 8080
ENTRYPOINT ["/dossier"]
CMD ["serve", "--listen", "0.0.0.0:8080", "--data", "/data", "--nats-listen", ""]
