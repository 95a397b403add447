package dev.asmmigrate.workflows.model.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WindowCalendarTest {

  private static final String BERLIN = "Europe/Berlin";
  private static final Instant NOW = Instant.parse("2026-10-01T00:00:00Z");

  private static RecurringWindow window(
      String rrule, String firstStart, String duration, String zone) {
    return new RecurringWindow(
        rrule, LocalDateTime.parse(firstStart), Duration.parse(duration), zone);
  }

  private static WindowCalendar calendar(
      List<RecurringWindow> windows, List<Exclusion> exclusions) {
    return WindowCalendar.of(new MaintenanceWindows(windows, exclusions, false, null), NOW);
  }

  private static WindowCalendar saturdays() {
    return calendar(
        List.of(window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", "PT4H", BERLIN)), List.of());
  }

  private static Opening opening(String start, String end, String zone) {
    return new Opening(Instant.parse(start), Instant.parse(end), zone);
  }

  @Test
  void weeklySaturdayWindowsOpenAt0200LocalAcrossTheOctoberChange() {
    List<Opening> openings =
        saturdays()
            .openings(Instant.parse("2026-10-17T00:00:00Z"), Instant.parse("2026-11-08T00:00:00Z"));

    // Last Sunday of October 2026 is the 25th: CEST (UTC+2) before it, CET (UTC+1) after.
    assertThat(openings)
        .containsExactly(
            opening("2026-10-17T00:00:00Z", "2026-10-17T04:00:00Z", BERLIN),
            opening("2026-10-24T00:00:00Z", "2026-10-24T04:00:00Z", BERLIN),
            opening("2026-10-31T01:00:00Z", "2026-10-31T05:00:00Z", BERLIN),
            opening("2026-11-07T01:00:00Z", "2026-11-07T05:00:00Z", BERLIN));
    assertThat(openings)
        .allSatisfy(
            o ->
                assertThat(o.start().atZone(ZoneId.of(BERLIN)).toLocalTime())
                    .isEqualTo(LocalTime.of(2, 0)));
    assertThat(openings)
        .extracting(WindowCalendar::describe)
        .containsExactly(
            "Sat 17 Oct 02:00-06:00 Europe/Berlin",
            "Sat 24 Oct 02:00-06:00 Europe/Berlin",
            "Sat 31 Oct 02:00-06:00 Europe/Berlin",
            "Sat 7 Nov 02:00-06:00 Europe/Berlin");
  }

  @Test
  void weeklySaturdayWindowsOpenAt0200LocalAcrossTheMarchChange() {
    // Last Sunday of March 2027 is the 28th: CET (UTC+1) before it, CEST (UTC+2) after.
    List<Opening> openings =
        saturdays()
            .openings(Instant.parse("2027-03-20T00:00:00Z"), Instant.parse("2027-04-04T00:00:00Z"));

    assertThat(openings)
        .containsExactly(
            opening("2027-03-20T01:00:00Z", "2027-03-20T05:00:00Z", BERLIN),
            opening("2027-03-27T01:00:00Z", "2027-03-27T05:00:00Z", BERLIN),
            opening("2027-04-03T00:00:00Z", "2027-04-03T04:00:00Z", BERLIN));
    assertThat(WindowCalendar.describeWithYear(openings.get(2)))
        .isEqualTo("Sat 3 Apr 2027 02:00-06:00 Europe/Berlin");
  }

  @Test
  void aSundayWindowAt0200OnTheChangeDaysTakesTheEarlierOffsetOrTheEndOfTheGap() {
    WindowCalendar sundays =
        calendar(
            List.of(window("FREQ=WEEKLY;BYDAY=SU", "2026-10-04T02:00", "PT4H", BERLIN)), List.of());

    // 25 Oct: 02:00 comes twice; the window opens at the first (CEST). It stays open 4 hours.
    assertThat(sundays.openAt(Instant.parse("2026-10-25T01:00:00Z")))
        .contains(opening("2026-10-25T00:00:00Z", "2026-10-25T04:00:00Z", BERLIN));
    // 28 Mar: 02:00 does not exist; the window opens when the clocks jump to 03:00 CEST.
    assertThat(sundays.openAt(Instant.parse("2027-03-28T02:00:00Z")))
        .contains(opening("2027-03-28T01:00:00Z", "2027-03-28T05:00:00Z", BERLIN));
    assertThat(sundays.openAt(Instant.parse("2027-03-28T00:30:00Z"))).isEmpty();
  }

  @Test
  void aDailyWindowAcrossMidnight() {
    WindowCalendar nightly =
        calendar(List.of(window("FREQ=DAILY", "2026-09-01T22:00", "PT3H", "UTC")), List.of());

    Optional<Opening> open = nightly.openAt(Instant.parse("2026-12-08T00:30:00Z"));
    assertThat(open).contains(opening("2026-12-07T22:00:00Z", "2026-12-08T01:00:00Z", "UTC"));
    assertThat(WindowCalendar.describe(open.orElseThrow()))
        .isEqualTo("Mon 7 Dec 22:00 - Tue 8 Dec 01:00 UTC");
    assertThat(nightly.openAt(Instant.parse("2026-12-08T12:00:00Z"))).isEmpty();
    assertThat(nightly.nextOpening(Instant.parse("2026-12-08T12:00:00Z")))
        .contains(opening("2026-12-08T22:00:00Z", "2026-12-09T01:00:00Z", "UTC"));
    assertThat(
            nightly.openings(
                Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-08T00:00:00Z")))
        .hasSize(8); // 30 Nov 22:00 runs into 1 Dec, then 1 to 7 Dec
  }

  @Test
  void overlappingAndTouchingWindowsMergeIntoOneOpening() {
    WindowCalendar calendar =
        calendar(
            List.of(
                window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", "PT4H", BERLIN),
                window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T05:00", "PT3H", BERLIN),
                window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T08:00", "PT1H", BERLIN),
                window("FREQ=WEEKLY;BYDAY=WE", "2026-10-07T20:00", "PT2H", "UTC")),
            List.of());

    // Sat 12 Dec: 02:00-06:00, 05:00-08:00 and 08:00-09:00 CET make one opening, 02:00-09:00.
    assertThat(calendar.openAt(Instant.parse("2026-12-12T06:30:00Z")))
        .contains(opening("2026-12-12T01:00:00Z", "2026-12-12T08:00:00Z", BERLIN));
    assertThat(
            calendar.openings(
                Instant.parse("2026-12-07T00:00:00Z"), Instant.parse("2026-12-14T00:00:00Z")))
        .containsExactly(
            opening("2026-12-09T20:00:00Z", "2026-12-09T22:00:00Z", "UTC"),
            opening("2026-12-12T01:00:00Z", "2026-12-12T08:00:00Z", BERLIN));
  }

  @Test
  void anExclusionSkipsAWeeksWindowAndTrimsOneItOverlaps() {
    WindowCalendar calendar =
        calendar(
            List.of(window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", "PT4H", BERLIN)),
            List.of(
                new Exclusion(
                    "year-end freeze",
                    Instant.parse("2026-12-18T00:00:00Z"),
                    Instant.parse("2026-12-20T00:00:00Z")),
                new Exclusion(
                    "backup",
                    Instant.parse("2027-01-02T00:00:00Z"),
                    Instant.parse("2027-01-02T03:00:00Z")),
                new Exclusion(
                    "release",
                    Instant.parse("2027-01-09T02:00:00Z"),
                    Instant.parse("2027-01-09T03:00:00Z"))));

    assertThat(
            calendar.openings(
                Instant.parse("2026-12-10T00:00:00Z"), Instant.parse("2027-01-10T00:00:00Z")))
        .containsExactly(
            opening("2026-12-12T01:00:00Z", "2026-12-12T05:00:00Z", BERLIN),
            // 19 Dec is excluded
            opening("2026-12-26T01:00:00Z", "2026-12-26T05:00:00Z", BERLIN),
            opening("2027-01-02T03:00:00Z", "2027-01-02T05:00:00Z", BERLIN),
            opening("2027-01-09T01:00:00Z", "2027-01-09T02:00:00Z", BERLIN),
            opening("2027-01-09T03:00:00Z", "2027-01-09T05:00:00Z", BERLIN));
    assertThat(calendar.openAt(Instant.parse("2026-12-19T02:00:00Z"))).isEmpty();
    assertThat(calendar.nextOpening(Instant.parse("2026-12-13T00:00:00Z")))
        .contains(opening("2026-12-26T01:00:00Z", "2026-12-26T05:00:00Z", BERLIN));
  }

  @Test
  void openAtIsInclusiveAtTheStartAndExclusiveAtTheEnd() {
    WindowCalendar calendar = saturdays();
    Opening dec12 = opening("2026-12-12T01:00:00Z", "2026-12-12T05:00:00Z", BERLIN);

    assertThat(calendar.openAt(dec12.start())).contains(dec12);
    assertThat(calendar.openAt(dec12.end().minusNanos(1))).contains(dec12);
    assertThat(calendar.openAt(dec12.end())).isEmpty();
    assertThat(calendar.openAt(dec12.start().minusNanos(1))).isEmpty();
    assertThat(calendar.nextOpening(dec12.start())).contains(dec12);
    assertThat(calendar.nextOpening(dec12.start().plusSeconds(1)))
        .contains(opening("2026-12-19T01:00:00Z", "2026-12-19T05:00:00Z", BERLIN));
    assertThat(dec12.remaining(Instant.parse("2026-12-12T04:00:00Z")))
        .isEqualTo(Duration.ofHours(1));
  }

  @Test
  void noWindowsIsAnyTimeLessTheExclusions() {
    WindowCalendar any = WindowCalendar.of(MaintenanceWindows.anyTime(), NOW);
    assertThat(any.openAt(NOW)).contains(new Opening(Instant.MIN, Instant.MAX, "UTC"));
    assertThat(WindowCalendar.describe(any.openAt(NOW).orElseThrow())).isEqualTo("any time");

    WindowCalendar frozen =
        calendar(
            List.of(),
            List.of(
                new Exclusion(
                    "freeze",
                    Instant.parse("2026-12-20T00:00:00Z"),
                    Instant.parse("2027-01-04T00:00:00Z"))));
    assertThat(frozen.openAt(Instant.parse("2026-12-25T00:00:00Z"))).isEmpty();
    assertThat(frozen.nextOpening(Instant.parse("2026-12-25T00:00:00Z")))
        .contains(new Opening(Instant.parse("2027-01-04T00:00:00Z"), Instant.MAX, "UTC"));
    assertThat(frozen.openAt(NOW))
        .contains(new Opening(Instant.MIN, Instant.parse("2026-12-20T00:00:00Z"), "UTC"));
  }

  @Test
  void aRuleThatEndsLeavesNoNextOpeningAndAnUntilInUtcIsTheSameInstantInTheZone() {
    // UNTIL 00:00Z on 10 Oct is 02:00 in Berlin: the occurrence then is the last one (UNTIL is
    // inclusive); read as a local time it would have ended the rule before it.
    WindowCalendar twice =
        calendar(
            List.of(
                window(
                    "FREQ=WEEKLY;BYDAY=SA;UNTIL=20261010T000000Z",
                    "2026-10-03T02:00",
                    "PT4H",
                    BERLIN)),
            List.of());
    assertThat(twice.openings(NOW, NOW.plus(Duration.ofDays(60))))
        .containsExactly(
            opening("2026-10-03T00:00:00Z", "2026-10-03T04:00:00Z", BERLIN),
            opening("2026-10-10T00:00:00Z", "2026-10-10T04:00:00Z", BERLIN));
    assertThat(twice.nextOpening(Instant.parse("2026-10-10T00:00:01Z"))).isEmpty();

    WindowCalendar counted =
        calendar(
            List.of(window("FREQ=WEEKLY;BYDAY=SA;COUNT=6", "2026-09-05T02:00", "PT4H", BERLIN)),
            List.of());
    // 5, 12, 19, 26 Sep, 3 and 10 Oct: counting survives the fast-forward to October.
    assertThat(counted.openings(NOW, NOW.plus(Duration.ofDays(60)))).hasSize(2);
  }

  @Test
  void windowsThatAlwaysOverlapMakeOneOpeningCutAtAYear() {
    WindowCalendar always =
        calendar(List.of(window("FREQ=DAILY", "2026-01-01T00:00", "PT25H", "UTC")), List.of());
    Opening open = always.openAt(Instant.parse("2026-12-01T12:00:00Z")).orElseThrow();
    assertThat(open.start()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(open.end()).isAfter(Instant.parse("2027-11-30T00:00:00Z"));
  }

  @Test
  void invalidRrule() {
    assertInvalid(
        List.of(
            window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", "PT4H", BERLIN),
            window("FREQ=WEEKLY;BYDAY=XX", "2026-10-03T02:00", "PT4H", BERLIN)),
        List.of(),
        "window 2 (FREQ=WEEKLY;BYDAY=XX): invalid RRULE");
    assertInvalid(
        List.of(window("EVERY SATURDAY", "2026-10-03T02:00", "PT4H", BERLIN)),
        List.of(),
        "window 1 (EVERY SATURDAY): invalid RRULE");
    assertInvalid(
        List.of(window("FREQ=MINUTELY", "2026-10-03T02:00", "PT4H", BERLIN)),
        List.of(),
        "window 1 (FREQ=MINUTELY): FREQ=MINUTELY is too frequent");
  }

  @Test
  void unknownTimeZone() {
    assertInvalid(
        List.of(window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", "PT4H", "Europe/Berlinn")),
        List.of(),
        "window 1 (FREQ=WEEKLY;BYDAY=SA): unknown time zone 'Europe/Berlinn'");
  }

  @Test
  void zeroOrNegativeDurationAndNegativeMargin() {
    assertInvalid(
        List.of(window("FREQ=DAILY", "2026-10-03T02:00", "PT0S", "UTC")),
        List.of(),
        "window 1 (FREQ=DAILY): its duration PT0S is not positive");
    assertInvalid(
        List.of(window("FREQ=DAILY", "2026-10-03T02:00", "-PT1H", "UTC")),
        List.of(),
        "window 1 (FREQ=DAILY): its duration PT-1H is not positive");
    assertThatThrownBy(
            () ->
                WindowCalendar.of(
                    new MaintenanceWindows(
                        List.of(window("FREQ=DAILY", "2026-10-03T02:00", "PT1H", "UTC")),
                        List.of(),
                        false,
                        Duration.ofMinutes(-5)),
                    NOW))
        .isInstanceOf(InvalidWindowsException.class)
        .hasMessageContaining("the window margin PT-5M is negative");
  }

  @Test
  void anExclusionThatDoesNotEndAfterItStarts() {
    Instant t = Instant.parse("2026-12-20T00:00:00Z");
    assertInvalid(
        List.of(window("FREQ=DAILY", "2026-10-03T02:00", "PT1H", "UTC")),
        List.of(new Exclusion("freeze", t, t)),
        "exclusion 1 (freeze): its end 2026-12-20T00:00:00Z is not after its start");
  }

  @Test
  void windowsThatNeverOpenInTheNextYear() {
    assertInvalid(
        List.of(
            window("FREQ=DAILY", "2026-10-03T02:00", "PT1H", "UTC"),
            window("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2026-10-03T02:00", "PT4H", BERLIN)),
        List.of(),
        "window 2 (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30): never opens in the year after"
            + " 2026-10-01T00:00:00Z");
    assertInvalid(
        List.of(window("FREQ=WEEKLY;BYDAY=SA;COUNT=3", "2025-01-04T02:00", "PT4H", BERLIN)),
        List.of(),
        "window 1 (FREQ=WEEKLY;BYDAY=SA;COUNT=3): never opens in the year after");
    assertInvalid(
        List.of(window("FREQ=YEARLY", "2028-01-01T02:00", "PT4H", BERLIN)),
        List.of(),
        "window 1 (FREQ=YEARLY): never opens in the year after");
    assertInvalid(
        List.of(window("FREQ=WEEKLY;BYDAY=SA", "2026-10-03T02:00", "PT4H", BERLIN)),
        List.of(
            new Exclusion(
                "the whole year",
                Instant.parse("2026-09-01T00:00:00Z"),
                Instant.parse("2027-12-01T00:00:00Z"))),
        "the exclusions cover every opening of the windows in the year after");
  }

  @Test
  void aThousandQuestionsAboutAWindowStartedAYearAgoStayCheap() {
    WindowCalendar calendar =
        calendar(
            List.of(
                window("FREQ=WEEKLY;BYDAY=SA", "2025-10-04T02:00", "PT4H", BERLIN),
                window("FREQ=DAILY", "2025-10-01T23:00", "PT2H", "UTC")),
            List.of(
                new Exclusion(
                    "freeze",
                    Instant.parse("2026-12-20T00:00:00Z"),
                    Instant.parse("2027-01-04T00:00:00Z"))));
    long started = System.nanoTime();
    int open = 0;
    Instant t = NOW;
    for (int i = 0; i < 1000; i++) {
      t = t.plus(Duration.ofMinutes(17));
      if (calendar.openAt(t).isPresent()) {
        open++;
      }
      assertThat(calendar.nextOpening(t)).isPresent();
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("WindowCalendar: 1000 x (openAt + nextOpening) in %d ms%n", millis);
    assertThat(open).isPositive();
  }

  private static void assertInvalid(
      List<RecurringWindow> windows, List<Exclusion> exclusions, String message) {
    assertThatThrownBy(() -> calendar(windows, exclusions))
        .isInstanceOf(InvalidWindowsException.class)
        .hasMessageContaining(message);
  }
}
