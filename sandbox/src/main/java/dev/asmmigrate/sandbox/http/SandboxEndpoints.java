package dev.asmmigrate.sandbox.http;

import static dev.asmmigrate.sandbox.http.HttpIo.isTrue;
import static dev.asmmigrate.sandbox.http.HttpIo.readBody;
import static dev.asmmigrate.sandbox.http.HttpIo.send;

import com.sun.net.httpserver.HttpExchange;
import dev.asmmigrate.sandbox.Faults;
import dev.asmmigrate.sandbox.api.ApiException;
import dev.asmmigrate.sandbox.traffic.TrafficProbe;
import java.io.IOException;
import java.util.Map;
import java.util.function.Supplier;

/** The sandbox's own endpoints under {@code /sandbox/}: traffic, requests and faults. */
final class SandboxEndpoints {
  private final Faults faults;
  private final Supplier<TrafficProbe> probe;
  private final RequestLog requestLog;

  SandboxEndpoints(Faults faults, Supplier<TrafficProbe> probe, RequestLog requestLog) {
    this.faults = faults;
    this.probe = probe;
    this.requestLog = requestLog;
  }

  void handle(HttpExchange ex, String path, Map<String, String> query) throws IOException {
    String method = ex.getRequestMethod();
    switch (path) {
      case "/sandbox/traffic" -> {
        TrafficProbe p = probe.get();
        if (p == null) {
          throw new ApiException(503, "ServiceUnavailable", "the traffic probe is not running");
        }
        if ("DELETE".equals(method)) {
          p.reset();
        }
        send(ex, 200, p.report());
      }
      case "/sandbox/requests" -> {
        if ("DELETE".equals(method)) {
          requestLog.clear();
        }
        long since = Long.parseLong(query.getOrDefault("since", "0"));
        send(ex, 200, requestLog.toJson(since, isTrue(query.get("excludeSandbox"))));
      }
      case "/sandbox/faults" -> {
        if ("PUT".equals(method) || "POST".equals(method) || "PATCH".equals(method)) {
          FaultsJson.apply(faults, readBody(ex));
        }
        send(ex, 200, FaultsJson.toJson(faults));
      }
      default -> throw new ApiException(404, "NotFound", "unknown sandbox endpoint " + path);
    }
  }
}
