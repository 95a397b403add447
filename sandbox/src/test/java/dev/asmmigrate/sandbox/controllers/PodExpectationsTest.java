package dev.asmmigrate.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ReplicaSet controller's expectations of its own creations and deletions. */
class PodExpectationsTest {
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final PodExpectations expectations =
      new PodExpectations(
          new Clock() {
            @Override
            public Instant instant() {
              return now;
            }

            @Override
            public java.time.ZoneId getZone() {
              return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
              return this;
            }
          });

  @Test
  void creationsAreAwaitedUntilEachIsObservedOrFailed() {
    assertThat(expectations.satisfied("ns/web")).isTrue();
    expectations.expectCreations("ns/web", 3);
    expectations.creationsObserved("ns/web", 1);
    assertThat(expectations.satisfied("ns/web")).isFalse();
    expectations.creationsObserved("ns/web", 1); // e.g. the third creation was refused
    assertThat(expectations.satisfied("ns/web")).isFalse();
    expectations.creationsObserved("ns/web", 1);
    assertThat(expectations.satisfied("ns/web")).isTrue();
    assertThat(expectations.satisfied("ns/api")).isTrue();
  }

  @Test
  void deletionsAreAwaitedPodByPod() {
    expectations.expectDeletions("ns/web", List.of("ns/web-a", "ns/web-b"));
    expectations.deletionObserved("ns/web", "ns/web-a");
    expectations.deletionObserved("ns/web", "ns/web-a");
    assertThat(expectations.satisfied("ns/web")).isFalse();
    expectations.deletionObserved("ns/web", "ns/web-b");
    assertThat(expectations.satisfied("ns/web")).isTrue();
  }

  @Test
  void expectationsNeverSeenExpireAfterFiveMinutes() {
    expectations.expectCreations("ns/web", 1);
    now = now.plus(PodExpectations.TIMEOUT);
    assertThat(expectations.satisfied("ns/web")).isFalse();
    now = now.plus(Duration.ofSeconds(1));
    assertThat(expectations.satisfied("ns/web")).isTrue();
    expectations.expectCreations("ns/web", 1);
    expectations.forget("ns/web");
    assertThat(expectations.satisfied("ns/web")).isTrue();
  }
}
