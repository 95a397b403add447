# syntax=docker/dockerfile:1
# The asm-migrate worker image: built from this repository, run as a non-root user.
#   docker build -t asm-migrate .        (or: docker compose build)

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY workflows workflows
COPY activities activities
COPY sandbox sandbox
COPY worker worker
COPY starter starter
# The Maven repository is a BuildKit cache: rebuilds after a source change download nothing.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests -Dspotless.check.skip=true package

FROM eclipse-temurin:17-jre
# curl serves the container health check (GET /readyz).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 asm \
    && useradd --system --uid 10001 --gid asm --home-dir /home/asm --create-home asm \
    && mkdir -p /etc/asm-migrate
WORKDIR /opt/asm-migrate
COPY --from=build /src/starter/target/asm-migrate.jar ./
COPY --from=build /src/starter/target/lib ./lib
# The cluster's kubeconfig and Google application default credentials are mounted here
# (read-only); workflows started without --kubeconfig use this one.
ENV KUBECONFIG=/etc/asm-migrate/kubeconfig \
    GOOGLE_APPLICATION_CREDENTIALS=/etc/asm-migrate/adc.json
USER 10001:10001
EXPOSE 9464 8081
# java is PID 1, so SIGTERM (docker stop) reaches the worker's graceful shutdown.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/asm-migrate/asm-migrate.jar", "worker"]
CMD ["--metrics-port", "9464", "--health-port", "8081"]
