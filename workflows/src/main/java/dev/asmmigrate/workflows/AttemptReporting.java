package dev.asmmigrate.workflows;

import dev.asmmigrate.workflows.model.FailureType;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.ActivityCanceledException;
import io.temporal.common.RetryOptions;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker does with each failed activity attempt: classifies the failure where it arose (e.g.
 * a refused connection becomes {@link FailureType#API_UNREACHABLE}, naming the server), logs it in
 * one line without a stack trace (the attempt, whether Temporal retries it and when, the cause in
 * words), and on the last attempt of the retry budget ends it with a non-retryable failure that
 * says how many attempts over how long ("cannot reach the API server at https://...: connection
 * refused (20 attempts over 7 min 31 s)"). The SDK's own warning with a stack trace is kept out of
 * the log by the logging configuration ({@code io.temporal.internal} at ERROR).
 */
public final class AttemptReporting extends WorkerInterceptorBase {
  private static final Logger log = LoggerFactory.getLogger(AttemptReporting.class);

  private final UnaryOperator<Throwable> classifier;

  /**
   * @param classifier turns what an activity threw into what Temporal should see (identity: as it
   *     was thrown)
   */
  public AttemptReporting(UnaryOperator<Throwable> classifier) {
    this.classifier = classifier;
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      private ActivityExecutionContext context;

      @Override
      public void init(ActivityExecutionContext ctx) {
        this.context = ctx;
        super.init(ctx);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        try {
          return super.execute(input);
        } catch (ActivityCanceledException | CanceledFailure e) {
          throw e;
        } catch (RuntimeException | Error e) {
          Throwable reported = report(context.getInfo(), classifier.apply(e));
          if (reported instanceof RuntimeException r) {
            throw r;
          }
          throw (Error) reported;
        }
      }
    };
  }

  /** Logs a failed attempt in one line; on the budget's last attempt, says so in the failure. */
  static Throwable report(ActivityInfo info, Throwable failure) {
    int attempt = info.getAttempt();
    // the activity's own policy when the server sends it (Temporal's Java test server does not)
    RetryOptions retry =
        info.getRetryOptions() != null && info.getRetryOptions().getMaximumAttempts() > 0
            ? info.getRetryOptions()
            : ActivityStubs.RETRY;
    int max = retry.getMaximumAttempts();
    String words = words(failure);
    String type = failure instanceof ApplicationFailure af ? af.getType() : null;
    boolean permanent =
        failure instanceof ApplicationFailure af
            && (af.isNonRetryable()
                || (retry.getDoNotRetry() != null
                    && Arrays.asList(retry.getDoNotRetry()).contains(af.getType())));
    String where =
        "activity "
            + info.getActivityType()
            + " of "
            + info.getWorkflowId()
            + " attempt "
            + attempt
            + (max > 0 ? "/" + max : "");
    if (permanent) {
      log.warn("{} failed, not retried ({}): {}", where, type, words);
      return failure;
    }
    if (max > 0 && attempt >= max) {
      // both times are the server's: from the first attempt's scheduling to this one's
      Duration spent =
          Duration.ofMillis(
              Math.max(
                  0, info.getCurrentAttemptScheduledTimestamp() - info.getScheduledTimestamp()));
      String finalType =
          FailureType.API_UNREACHABLE.name().equals(type)
              ? FailureType.API_UNREACHABLE.name()
              : FailureType.RETRIES_EXHAUSTED.name();
      String message = words + " (" + attempt + " attempts over " + human(spent) + ")";
      log.warn("{} failed, no attempt left ({}): {}", where, finalType, message);
      return ApplicationFailure.newNonRetryableFailure(message, finalType);
    }
    log.warn("{} failed, retried in {}: {}", where, human(delay(retry, attempt)), words);
    return failure;
  }

  /** The failure in words, without the Java class of a plain exception when it has a message. */
  static String words(Throwable t) {
    if (t instanceof ApplicationFailure af) {
      String m = af.getOriginalMessage();
      return m == null || m.isBlank() ? af.getType() : m;
    }
    String m = t.getMessage();
    return m == null || m.isBlank()
        ? t.getClass().getSimpleName()
        : t.getClass().getSimpleName() + ": " + m;
  }

  /** The backoff Temporal waits after {@code attempt} failed. */
  static Duration delay(RetryOptions retry, int attempt) {
    if (retry.getInitialInterval() == null) {
      return Duration.ofSeconds(1);
    }
    double millis =
        retry.getInitialInterval().toMillis()
            * Math.pow(retry.getBackoffCoefficient(), Math.max(0, attempt - 1));
    if (retry.getMaximumInterval() != null) {
      millis = Math.min(millis, retry.getMaximumInterval().toMillis());
    }
    return Duration.ofMillis((long) millis);
  }

  /** "42 s", "8 min", "1 min 5 s". */
  static String human(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + " s";
    }
    long m = s / 60;
    long rest = s % 60;
    return rest == 0 ? m + " min" : m + " min " + rest + " s";
  }
}
