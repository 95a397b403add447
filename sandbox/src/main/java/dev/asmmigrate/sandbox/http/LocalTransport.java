package dev.asmmigrate.sandbox.http;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.StandardHttpClient;
import io.fabric8.kubernetes.client.http.StandardHttpClientBuilder;
import io.fabric8.kubernetes.client.http.StandardHttpRequest;
import io.fabric8.kubernetes.client.http.StandardWebSocketBuilder;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import io.fabric8.kubernetes.client.http.WebSocketResponse;
import io.fabric8.kubernetes.client.http.WebSocketUpgradeResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sandbox's own components' way to its API: fabric8's HTTP client served inside the process.
 * Each request is the exchange the socket would carry (method, URI, headers, JSON body) handed to
 * the same handler, so the simulated controllers go through the same verbs, admission, access
 * rules, request log and watch streams as any client, and still encode and decode every object;
 * only the socket, the HTTP framing and the I/O threads are gone (on two cores they were a quarter
 * of a busy sandbox's CPU). Clients of the cluster (the product, kubectl, the bench's manual loop)
 * keep the socket.
 *
 * <p>A request runs on the calling thread, as a blocking call would wait for it anyway; a watch
 * runs on a thread of its own for as long as it streams, and ends when its client cancels it.
 */
public final class LocalTransport implements HttpClient.Factory {
  private final ApiServer server;
  private final AtomicInteger streams = new AtomicInteger();

  LocalTransport(ApiServer server) {
    this.server = server;
  }

  @Override
  public HttpClient.Builder newBuilder() {
    return new LocalBuilder(this);
  }

  private void serve(LocalExchange ex) {
    try {
      server.serveLocal(ex);
    } catch (IOException | RuntimeException e) {
      ex.fail(e);
    }
  }

  private void serveOnOwnThread(LocalExchange ex, AtomicReference<Thread> serving) {
    Thread t =
        new Thread(
            () -> serve(ex),
            "sandbox-api-local-watch-" + server.port() + "-" + streams.incrementAndGet());
    t.setDaemon(true);
    serving.set(t);
    t.start();
  }

  static boolean streaming(StandardHttpRequest request) {
    if (request.isForStreaming()) {
      return true;
    }
    String query = request.uri().getRawQuery();
    if (query == null) {
      return false;
    }
    for (String pair : query.split("&")) {
      if (pair.equals("watch=true") || pair.equals("watch=1") || pair.equals("follow=true")) {
        return true;
      }
    }
    return false;
  }

  static byte[] bodyOf(StandardHttpRequest request) {
    StandardHttpRequest.BodyContent content = request.body();
    if (content instanceof StandardHttpRequest.StringBodyContent s) {
      return s.getContent().getBytes(StandardCharsets.UTF_8);
    }
    if (content instanceof StandardHttpRequest.ByteArrayBodyContent b) {
      return b.getContent();
    }
    if (content instanceof StandardHttpRequest.InputStreamBodyContent in) {
      try (InputStream stream = in.getContent()) {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new byte[0];
  }

  /** fabric8's builder of a {@link Client}. */
  static final class LocalBuilder
      extends StandardHttpClientBuilder<Client, LocalTransport, LocalBuilder> {
    LocalBuilder(LocalTransport transport) {
      super(transport);
    }

    @Override
    public Client build() {
      return new Client(this, client == null ? new AtomicBoolean() : client.getClosed());
    }

    @Override
    protected LocalBuilder newInstance(LocalTransport transport) {
      return new LocalBuilder(transport);
    }
  }

  /** The client: its requests go to the API server's handler in this process. */
  static final class Client extends StandardHttpClient<Client, LocalTransport, LocalBuilder> {
    Client(LocalBuilder builder, AtomicBoolean closed) {
      super(builder, closed);
    }

    private LocalTransport transport() {
      return builder.getClientFactory();
    }

    @Override
    public CompletableFuture<HttpResponse<AsyncBody>> consumeBytesDirect(
        StandardHttpRequest request, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
      if (isClosed()) {
        return CompletableFuture.failedFuture(new IOException("the client is closed"));
      }
      boolean streaming = streaming(request);
      AtomicReference<Thread> serving = new AtomicReference<>();
      // a cancelled watch ends as a closed connection would end it: its serving thread stops
      Runnable onCancel =
          () -> {
            Thread t = serving.get();
            if (t != null) {
              t.interrupt();
            }
          };
      LocalExchange ex =
          new LocalExchange(request, request.method(), bodyOf(request), consumer, onCancel);
      if (request.getContentType() != null
          && ex.getRequestHeaders().getFirst("Content-Type") == null) {
        ex.getRequestHeaders().set("Content-Type", request.getContentType());
      }
      if (streaming) {
        transport().serveOnOwnThread(ex, serving);
      } else {
        transport().serve(ex);
      }
      return ex.response();
    }

    /**
     * The API server declines WebSocket upgrades (watches are HTTP streams); the attempt goes to it
     * all the same, so the request log shows what the socket would have carried.
     */
    @Override
    public CompletableFuture<WebSocketResponse> buildWebSocketDirect(
        StandardWebSocketBuilder webSocketBuilder, WebSocket.Listener listener) {
      StandardHttpRequest request = webSocketBuilder.asHttpRequest();
      LocalExchange ex =
          new LocalExchange(
              request, "GET", new byte[0], (buffers, body) -> body.consume(), () -> {});
      ex.getRequestHeaders().set("Upgrade", "websocket");
      ex.getRequestHeaders().set("Connection", "Upgrade");
      transport().serve(ex);
      return ex.response()
          .thenApply(
              answer -> {
                answer.body().cancel();
                WebSocketUpgradeResponse upgrade =
                    new WebSocketUpgradeResponse(request, answer.code());
                return new WebSocketResponse(upgrade, new WebSocketHandshakeException(upgrade));
              });
    }

    @Override
    protected void doClose() {
      // nothing held: a watch ends when its client (an informer, a watch) cancels it
    }
  }
}
