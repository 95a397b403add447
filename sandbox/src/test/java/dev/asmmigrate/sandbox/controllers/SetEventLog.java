package dev.asmmigrate.sandbox.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Watchable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Records every event of a watch over the sandbox's API, so that a test can replay what happened in
 * the store's order: the sandbox has one resource-version counter for every kind, so events of
 * several watches merge into one history by resource version.
 */
final class SetEventLog implements AutoCloseable {
  /** One watch event. */
  record Event(String type, long resourceVersion, HasMetadata object) {
    String name() {
      return object.getMetadata().getName();
    }

    String kind() {
      return object.getKind();
    }
  }

  private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
  private final List<Watch> watches = new ArrayList<>();

  /** Starts recording {@code source}; the watch is open when this returns. */
  <T extends HasMetadata> SetEventLog watch(Watchable<T> source) {
    watches.add(
        source.watch(
            new Watcher<T>() {
              @Override
              public void eventReceived(Action action, T resource) {
                String rv = resource.getMetadata().getResourceVersion();
                events.add(new Event(action.name(), rv == null ? 0 : Long.parseLong(rv), resource));
              }

              @Override
              public void onClose(WatcherException cause) {}
            }));
    return this;
  }

  /** Every event so far, in the store's order. */
  List<Event> events() {
    List<Event> copy;
    synchronized (events) {
      copy = new ArrayList<>(events);
    }
    copy.sort(Comparator.comparingLong(Event::resourceVersion));
    return copy;
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
  }
}
