# Pulse in a container: build with the project's own scripts, run as a non-root user on a slim
# Debian 12 image with only the shared libraries the daemon links.
#
#   docker build -t pulse .
#   docker run -p 8080:8080 -v pulse-data:/var/lib/pulse pulse
#
# Node 20: the dashboard's Vite 7 needs Node >= 20.19 and Debian 12's nodejs is 18. Only its
# /usr/local (node, npm, npx) is taken from the official image, which is itself Debian 12.
FROM node:20-bookworm AS node

# Build stage: plain Debian 12 (bookworm) with that Node; scripts/bootstrap.sh then installs
# every Debian package the build needs and `make install` builds, as on any machine.
FROM debian:12 AS build
COPY --from=node /usr/local/ /usr/local/
WORKDIR /src
COPY . .
RUN sh scripts/bootstrap.sh \
 && make install BUILD=build-docker PREFIX=/usr DESTDIR=/out JOBS=2 \
      CMAKE_ARGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPULSE_TESTS=OFF"

FROM debian:12-slim
# Exactly the packages that provide the daemon's shared libraries (ldd + dpkg -S; checked by
# tests/packaging/run.sh).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libc6 libhiredis0.14 libhttp-parser2.9 libjansson4 libsqlite3-0 libssl3 libuv1 zlib1g \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home-dir /var/lib/pulse --shell /usr/sbin/nologin pulse \
 && install -d -o pulse -g pulse -m 0750 /var/lib/pulse
COPY --from=build /out/usr/bin/pulse /usr/bin/pulse
COPY --from=build /out/usr/share/pulse /usr/share/pulse
COPY --from=build /out/usr/share/man/man1/pulse.1 /usr/share/man/man1/pulse.1
COPY --from=build /out/etc/pulse/pulse.conf /etc/pulse/pulse.conf
# Listen on every interface of the container; the database on the volume. Secrets and the
# Redis URL come the same way: PULSE_AUTH_SECRET_FILE, PULSE_REDIS (see README.md).
ENV PULSE_HOST=0.0.0.0 \
    PULSE_PORT=8080 \
    PULSE_DB=/var/lib/pulse/pulse.db
VOLUME /var/lib/pulse
WORKDIR /var/lib/pulse
USER pulse
EXPOSE 8080
# No curl in the slim image: bash's /dev/tcp asks /healthz for its 200.
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PULSE_PORT} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/pulse", "--config", "/etc/pulse/pulse.conf"]
