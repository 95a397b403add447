package dev.asmmigrate.workflows.model.window;

import java.time.Duration;
import java.time.LocalDateTime;

/**
 * A recurring maintenance window, as RFC 5545 has it: the first occurrence's local start (DTSTART)
 * in an IANA time zone, a recurrence rule, and how long each occurrence stays open. {@code
 * WindowCalendar} expands it; it validates the rule and the zone.
 *
 * @param rrule an RFC 5545 RRULE without the {@code RRULE:} prefix, e.g. {@code
 *     FREQ=WEEKLY;BYDAY=SA}
 * @param firstStart the local date and time of the first occurrence (DTSTART), e.g. {@code
 *     2026-12-12T02:00}; later occurrences start at the same local time, across daylight-saving
 *     changes
 * @param duration how long each occurrence is open
 * @param zone an IANA time zone id, e.g. {@code Europe/Berlin}
 */
public record RecurringWindow(
    String rrule, LocalDateTime firstStart, Duration duration, String zone) {}
