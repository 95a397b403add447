package dev.asmmigrate.sandbox.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.StandardHttpHeaders;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One request of {@link LocalTransport}: the exchange the API server's handlers read and answer, as
 * the JDK's HTTP server would give them, with the answer going to a fabric8 client in the same
 * process. The response completes when the handler sends its headers; the body follows chunk by
 * chunk, a chunk per flush (a watch event per flush, as on the wire).
 */
final class LocalExchange extends HttpExchange {
  private static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private final HttpRequest request;
  private final String method;
  private final URI uri;
  private final Headers requestHeaders = new Headers();
  private final Headers responseHeaders = new Headers();
  private final Map<String, Object> attributes = new HashMap<>();
  private final LocalBody body;
  private final CompletableFuture<HttpResponse<AsyncBody>> response = new CompletableFuture<>();
  private InputStream requestBody;
  private OutputStream responseBody = new Out();
  private int code = -1;

  LocalExchange(
      HttpRequest request,
      String method,
      byte[] requestBody,
      AsyncBody.Consumer<List<ByteBuffer>> consumer,
      Runnable onCancel) {
    this.request = request;
    this.method = method;
    this.uri = request.uri();
    request.headers().forEach((k, v) -> requestHeaders.put(k, List.copyOf(v)));
    this.requestBody = new ByteArrayInputStream(requestBody);
    this.body = new LocalBody(consumer, onCancel);
  }

  /** The answer, once the handler sent its status and headers. */
  CompletableFuture<HttpResponse<AsyncBody>> response() {
    return response;
  }

  /** The handler failed without an answer, or the answer's body ended abnormally. */
  void fail(Throwable t) {
    response.completeExceptionally(t);
    body.fail(t);
  }

  @Override
  public Headers getRequestHeaders() {
    return requestHeaders;
  }

  @Override
  public Headers getResponseHeaders() {
    return responseHeaders;
  }

  @Override
  public URI getRequestURI() {
    return uri;
  }

  @Override
  public String getRequestMethod() {
    return method;
  }

  @Override
  public HttpContext getHttpContext() {
    return null;
  }

  @Override
  public void close() {
    try {
      responseBody.close();
    } catch (IOException e) {
      body.fail(e);
    }
    if (code < 0) {
      // as a connection the server closed without an answer
      fail(new IOException("the API server closed the request without an answer"));
    }
  }

  @Override
  public InputStream getRequestBody() {
    return requestBody;
  }

  @Override
  public OutputStream getResponseBody() {
    return responseBody;
  }

  @Override
  public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
    if (code >= 0) {
      throw new IOException("headers already sent");
    }
    code = rCode;
    Map<String, List<String>> headers = new HashMap<>();
    responseHeaders.forEach((k, v) -> headers.put(k, List.copyOf(v)));
    response.complete(new Answer(rCode, headers, body, request));
    if (responseLength < 0) {
      body.end();
    }
  }

  @Override
  public InetSocketAddress getRemoteAddress() {
    return LOOPBACK;
  }

  @Override
  public int getResponseCode() {
    return code;
  }

  @Override
  public InetSocketAddress getLocalAddress() {
    return LOOPBACK;
  }

  @Override
  public String getProtocol() {
    return "HTTP/1.1";
  }

  @Override
  public Object getAttribute(String name) {
    return attributes.get(name);
  }

  @Override
  public void setAttribute(String name, Object value) {
    attributes.put(name, value);
  }

  @Override
  public void setStreams(InputStream i, OutputStream o) {
    if (i != null) {
      requestBody = i;
    }
    if (o != null) {
      responseBody = o;
    }
  }

  @Override
  public HttpPrincipal getPrincipal() {
    return null;
  }

  /** What the handler writes: buffered, handed over on each flush and at close. */
  private final class Out extends OutputStream {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private boolean closed;

    @Override
    public void write(int b) throws IOException {
      open();
      buffer.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      open();
      buffer.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      open();
      if (code < 0) {
        throw new IOException("the response's headers were not sent");
      }
      if (buffer.size() > 0) {
        byte[] chunk = buffer.toByteArray();
        buffer.reset();
        body.chunk(chunk);
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      if (code >= 0) {
        flush();
        body.end();
      }
      closed = true;
    }

    private void open() throws IOException {
      if (closed) {
        throw new IOException("the response's body is closed");
      }
    }
  }

  /** The response fabric8 sees. */
  private static final class Answer extends StandardHttpHeaders implements HttpResponse<AsyncBody> {
    private final int code;
    private final AsyncBody body;
    private final HttpRequest request;

    Answer(int code, Map<String, List<String>> headers, AsyncBody body, HttpRequest request) {
      super(headers);
      this.code = code;
      this.body = body;
      this.request = request;
    }

    @Override
    public int code() {
      return code;
    }

    @Override
    public AsyncBody body() {
      return body;
    }

    @Override
    public HttpRequest request() {
      return request;
    }

    @Override
    public Optional<HttpResponse<?>> previousResponse() {
      return Optional.empty();
    }
  }
}
