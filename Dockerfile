# A small image with the dcrcheck binary only:
#   docker build -t dcrcheck .
#   docker run --rm --network host dcrcheck run --target http://127.0.0.1:8080/register
# (--network host lets the container reach a server on the host's loopback.)
FROM rust:1-slim-bookworm AS build
WORKDIR /src
# .dockerignore keeps target/, .git and the real-server targets' node_modules out.
COPY . .
RUN cargo build --release --locked --bin dcrcheck && strip target/release/dcrcheck

# rustls with built-in roots: no OpenSSL and no CA bundle needed at run time.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/dcrcheck /usr/local/bin/dcrcheck
ENTRYPOINT ["/usr/local/bin/dcrcheck"]
CMD ["--help"]
