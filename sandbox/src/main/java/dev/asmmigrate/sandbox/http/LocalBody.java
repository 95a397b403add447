package dev.asmmigrate.sandbox.http;

import io.fabric8.kubernetes.client.http.AsyncBody;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A response body handed from the API server's handler to a fabric8 consumer in the same process,
 * with fabric8's flow control: each {@link #consume()} lets one more chunk through (as vert.x's
 * {@code fetch(1)}), chunks written meanwhile wait here, and {@link #done()} completes once the
 * handler ended the body and every chunk was delivered. Chunks are delivered one at a time, on the
 * thread that wrote them or the one that asked for more, never two at once.
 */
final class LocalBody implements AsyncBody {
  private final AsyncBody.Consumer<List<ByteBuffer>> consumer;
  private final Runnable onCancel;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
  private long demand;
  private boolean ended;
  private boolean delivering;

  LocalBody(AsyncBody.Consumer<List<ByteBuffer>> consumer, Runnable onCancel) {
    this.consumer = consumer;
    this.onCancel = onCancel;
  }

  /** The handler wrote (and flushed) {@code bytes}; refused once the client cancelled. */
  void chunk(byte[] bytes) throws IOException {
    synchronized (this) {
      if (done.isDone()) {
        throw new IOException("the client closed the response");
      }
      pending.add(ByteBuffer.wrap(bytes));
    }
    drain();
  }

  /** The handler ended the body. */
  void end() {
    synchronized (this) {
      ended = true;
    }
    drain();
  }

  /** The handler failed before it ended the body. */
  void fail(Throwable t) {
    done.completeExceptionally(t);
  }

  @Override
  public void consume() {
    synchronized (this) {
      demand++;
    }
    drain();
  }

  @Override
  public CompletableFuture<Void> done() {
    return done;
  }

  @Override
  public void cancel() {
    if (done.cancel(false)) {
      onCancel.run();
    }
  }

  private void drain() {
    while (true) {
      ByteBuffer next;
      synchronized (this) {
        if (delivering || done.isDone()) {
          return;
        }
        if (pending.isEmpty()) {
          if (!ended) {
            return;
          }
          next = null;
        } else if (demand == 0) {
          return;
        } else {
          demand--;
          next = pending.poll();
          delivering = true;
        }
      }
      if (next == null) {
        done.complete(null);
        return;
      }
      try {
        consumer.consume(List.of(next), this);
      } catch (Exception e) {
        done.completeExceptionally(e);
        onCancel.run();
        return;
      } finally {
        synchronized (this) {
          delivering = false;
        }
      }
    }
  }
}
