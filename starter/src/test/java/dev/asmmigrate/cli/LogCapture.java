package dev.asmmigrate.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Every log event of the JVM while open, with the product's loggers at DEBUG and everything else at
 * INFO: the most an operator can ask for ({@code ASM_MIGRATE_LOG_LEVEL=DEBUG}). Closing restores
 * the levels.
 */
final class LogCapture implements AutoCloseable {
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger product = (Logger) LoggerFactory.getLogger("dev.asmmigrate");
  private final Level rootLevel;
  private final Level productLevel;

  private LogCapture() {
    rootLevel = root.getLevel();
    productLevel = product.getLevel();
    root.setLevel(Level.INFO);
    product.setLevel(Level.DEBUG);
    events.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
    events.start();
    root.addAppender(events);
  }

  static LogCapture debug() {
    return new LogCapture();
  }

  int size() {
    synchronized (events) {
      return events.list.size();
    }
  }

  /** Each event's logger, message, stack trace and MDC, a line each. */
  String text() {
    StringBuilder text = new StringBuilder();
    synchronized (events) {
      for (ILoggingEvent e : events.list) {
        text.append(e.getLoggerName()).append(' ').append(e.getFormattedMessage()).append('\n');
        if (e.getThrowableProxy() != null) {
          text.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
        }
        e.getMDCPropertyMap().forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
      }
    }
    return text.toString();
  }

  @Override
  public void close() {
    root.detachAppender(events);
    events.stop();
    root.setLevel(rootLevel);
    product.setLevel(productLevel);
  }
}
