package dev.asmmigrate.sandbox.google;

import com.google.longrunning.Operation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Request ids: retries with the same id get the first operation back. */
final class FleetRequestIds {
  private static final Pattern REQUEST_ID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final HubOperations operations;
  private final Map<String, String> requestIds =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > 10_000;
        }
      };

  FleetRequestIds(HubOperations operations) {
    this.operations = operations;
  }

  Operation replay(String requestId) {
    if (requestId.isEmpty()) {
      return null;
    }
    if (!REQUEST_ID.matcher(requestId).matches()
        || requestId.equals("00000000-0000-0000-0000-000000000000")) {
      throw Rpc.invalid("request_id '" + requestId + "' must be a non-zero UUID.");
    }
    String op = requestIds.get(requestId);
    return op == null ? null : operations.find(op);
  }

  void remember(String requestId, Operation op) {
    if (!requestId.isEmpty()) {
      requestIds.put(requestId, op.getName());
    }
  }
}
