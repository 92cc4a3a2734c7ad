# cis-worker as a container: the jar built with Maven, run on a JRE as a non-root user.
#
#   docker build -t cis-worker .
#   docker buildx build --platform linux/arm64 -t cis-worker:arm64 .    (Graviton: the -Plinux-aarch64 jar)
#   docker run -d --name cis-worker --env-file cis-worker.env --stop-timeout 45 \
#     -v /srv/cis-worker/model:/var/lib/cis-worker/model:ro -p 127.0.0.1:9464:9464 cis-worker
#
# - Settings come from the environment: --env-file takes the systemd unit's KEY=VALUE lines, but literally, so write
#   the values unquoted (Docker keeps quotes as part of the value; systemd and the worker's --config strip them).
# - The model is not in the image: mount the directory holding model.pt, or bake it into a derived image
#   (FROM cis-worker + COPY model.pt /var/lib/cis-worker/model/model.pt).
# - Give it a stop timeout above SHUTDOWN_GRACE_SECONDS (30 s by default; Docker's own default is 10 s) so SIGTERM's
#   drain can finish; what does not finish goes back to the queue either way.
# - AWS credentials and region come from the SDK's default chains (instance or task role, AWS_REGION).

# The build runs on the builder's own platform (Java builds the same anywhere; emulating it would be slow) and
# picks the natives of the image's platform: linux/amd64 the default jar, linux/arm64 the -Plinux-aarch64 one.
FROM --platform=$BUILDPLATFORM maven:3-eclipse-temurin-17 AS build
ARG TARGETARCH
WORKDIR /build
RUN case "${TARGETARCH:-amd64}" in amd64) echo "" ;; arm64) echo "-Plinux-aarch64" ;; \
      *) echo "cis-worker has natives for amd64 and arm64 only, not $TARGETARCH" >&2; exit 1 ;; esac > /build/profile
# Dependencies first: a source change then does not download them again.
COPY pom.xml .
RUN mvn -B -ntp -q dependency:go-offline $(cat /build/profile)
COPY src ./src
# One name for the next stage whichever platform: the arm64 build writes target/cis-worker-linux-aarch64.jar.
RUN mvn -B -ntp -q package -DskipTests $(cat /build/profile) \
 && if [ -n "$(cat /build/profile)" ]; then \
      mv target/cis-worker-linux-aarch64.jar target/cis-worker.jar; fi

FROM eclipse-temurin:17-jre
RUN groupadd --system cis-worker \
 && useradd --system --gid cis-worker --home-dir /var/lib/cis-worker --no-create-home --shell /usr/sbin/nologin cis-worker \
 && install -d -o cis-worker -g cis-worker -m 0750 /var/lib/cis-worker /var/lib/cis-worker/model /var/lib/cis-worker/djl \
      /var/lib/cis-worker/javacpp
COPY --from=build /build/target/cis-worker.jar /opt/cis-worker/cis-worker.jar
# The same defaults as the systemd unit. METRICS_HOST is all interfaces of the container's own network namespace,
# so a published port (or a sidecar) can scrape /metrics; publish it on a private address only.
ENV MODEL_PATH=/var/lib/cis-worker/model/model.pt \
    DJL_CACHE_DIR=/var/lib/cis-worker/djl \
    OPENBLAS_NUM_THREADS=1 \
    LOG_FORMAT=json \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    JAVA_OPTS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
VOLUME ["/var/lib/cis-worker/model"]
EXPOSE 9464
USER cis-worker
WORKDIR /var/lib/cis-worker
# Liveness over bash's /dev/tcp: the JRE image's curl and wget are leftovers of how the image is built (newer
# Temurin images dropped curl), and a `java` probe would start a second JVM every 30 s. bash is always there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${METRICS_PORT} && printf 'GET /health/live HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
# The JPEG decoder's natives unpack under the state directory, as in the systemd unit.
# sh -c so $JAVA_OPTS splits into flags; exec so java is PID 1 and gets SIGTERM; arguments (a subcommand such as
# create-index or --backfill) are passed through.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -Dai.djl.offline=true -Dorg.bytedeco.javacpp.cachedir=/var/lib/cis-worker/javacpp --enable-native-access=ALL-UNNAMED -jar /opt/cis-worker/cis-worker.jar \"$@\"", "cis-worker"]
