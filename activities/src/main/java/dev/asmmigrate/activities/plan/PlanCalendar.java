package dev.asmmigrate.activities.plan;

import dev.asmmigrate.workflows.model.AddonVersion;
import dev.asmmigrate.workflows.model.DurationEstimate.Sizing;
import dev.asmmigrate.workflows.model.NamespacePlan;
import dev.asmmigrate.workflows.model.Step;
import dev.asmmigrate.workflows.model.StepModel;
import dev.asmmigrate.workflows.model.Timeouts;
import dev.asmmigrate.workflows.model.window.Estimates;
import dev.asmmigrate.workflows.model.window.Estimates.Estimate;
import dev.asmmigrate.workflows.model.window.Exclusion;
import dev.asmmigrate.workflows.model.window.MaintenanceWindows;
import dev.asmmigrate.workflows.model.window.Opening;
import dev.asmmigrate.workflows.model.window.RecurringWindow;
import dev.asmmigrate.workflows.model.window.WindowCalendar;
import dev.asmmigrate.workflows.model.window.WindowPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code plan}'s calendar: which maintenance windows the migration will use and what it does in
 * each ({@code Sat 12 Dec 02:00-06:00 Europe/Berlin: control plane, Mesh CA, 40 of 120
 * namespaces}), and when it should end. It walks the runbook ({@link Step}) in order, from the
 * start, as the workflow's maintenance gate does: a step that disturbs traffic, and each namespace
 * wave, starts only where {@link WindowCalendar#holds} its estimate, its undo's and the margin,
 * else at the {@link WindowCalendar#nextFit next opening that does}; the others run where they
 * come. Every duration is {@link Estimates}' (the runbook's bound of a step; a wave's from
 * pre-flight's rollout model, else the runbook's bound of a namespace): the same figures the run
 * decides with before it has measured anything. Pure.
 */
public final class PlanCalendar {
  private static final DateTimeFormatter DAY_TIME =
      DateTimeFormatter.ofPattern("EEE d MMM HH:mm", Locale.ROOT);

  /**
   * What to lay out.
   *
   * @param policy the run's windows, earliest start and override
   * @param from when the run would start (now)
   * @param addonVersions the add-on versions pre-flight found (which steps apply)
   * @param namespaces the workload step's namespaces, in order
   * @param remaining the namespaces migrate-remaining-workloads would take
   * @param canary of {@code namespaces}, those migrated alone first
   * @param concurrency namespaces per wave
   * @param timeouts the run's bounds
   * @param autoApprove whether the run goes past the approval by itself
   * @param stepModels pre-flight's models of the disturbing steps ({@link StepModel}), as the run
   *     estimates them before it has measured them; empty: the runbook's bounds
   */
  public record Request(
      WindowPolicy policy,
      Instant from,
      List<AddonVersion> addonVersions,
      List<NamespacePlan> namespaces,
      List<NamespacePlan> remaining,
      List<String> canary,
      int concurrency,
      Timeouts timeouts,
      boolean autoApprove,
      List<StepModel> stepModels) {
    public Request {
      stepModels = stepModels == null ? List.of() : List.copyOf(stepModels);
      policy = policy == null ? WindowPolicy.anyTime() : policy;
      namespaces = List.copyOf(namespaces);
      remaining = List.copyOf(remaining);
      canary = canary == null ? List.of() : List.copyOf(canary);
    }

    /** A request without step models: the runbook's bounds for the steps. */
    public Request(
        WindowPolicy policy,
        Instant from,
        List<AddonVersion> addonVersions,
        List<NamespacePlan> namespaces,
        List<NamespacePlan> remaining,
        List<String> canary,
        int concurrency,
        Timeouts timeouts,
        boolean autoApprove) {
      this(
          policy,
          from,
          addonVersions,
          namespaces,
          remaining,
          canary,
          concurrency,
          timeouts,
          autoApprove,
          List.of());
    }

    /** Pre-flight's model of step {@code s}, or null. */
    StepModel stepModel(Step s) {
      return stepModels.stream().filter(m -> m.step().equals(s.id())).findFirst().orElse(null);
    }

    /** The same run, started at {@code t}. */
    public Request from(Instant t) {
      return new Request(
          policy,
          t,
          addonVersions,
          namespaces,
          remaining,
          canary,
          concurrency,
          timeouts,
          autoApprove,
          stepModels);
    }
  }

  /**
   * One stretch of the run: a window it works in, or time outside the windows in which it does only
   * what disturbs no traffic.
   *
   * @param window whether it is one of the windows (false: outside them, or no windows at all)
   * @param start the opening's start, or when the work outside begins
   * @param end the opening's close, or when the work outside should be done
   * @param zone the zone to show it in
   * @param work what the run does there, in order (steps, and {@code N of M namespaces})
   * @param steps the ids of the steps it works on there
   * @param namespaces how many namespaces it migrates there
   */
  public record Slot(
      boolean window,
      Instant start,
      Instant end,
      String zone,
      List<String> work,
      List<String> steps,
      int namespaces) {

    /** {@code Sat 12 Dec 02:00-06:00 Europe/Berlin: control plane, Mesh CA, 40 of 120 ...}. */
    public String describe() {
      String when =
          window
              ? WindowCalendar.describe(new Opening(start, end, zone))
              : "outside the windows, from " + local(start, zone);
      return when + ": " + String.join(", ", work);
    }
  }

  /**
   * The calendar.
   *
   * @param slots in order
   * @param end when the last step before the approval (or the last step, with auto-approval) should
   *     end; null when some work fits in no window of the next year
   * @param zone the zone of the windows (the first's), for {@code end}
   * @param afterApproval what runs only after an operator's approval, or empty
   * @param unplaced the work no window of the next year holds (the run would wait for changed
   *     windows), or null
   */
  public record Result(
      List<Slot> slots, Instant end, String zone, List<String> afterApproval, String unplaced) {

    /** {@code should end: Sat 19 Dec 03:12 Europe/Berlin}, or why it cannot say. */
    public String endText() {
      if (end == null) {
        return "no end: " + unplaced;
      }
      return "should end: "
          + local(end, zone)
          + (afterApproval.isEmpty()
              ? ""
              : "; then it waits for an approval before " + String.join(", ", afterApproval));
    }
  }

  private PlanCalendar() {}

  /**
   * The calendar request of a planned migration: its add-on versions and namespaces as {@code plan}
   * found them, with the run's windows and pacing.
   */
  public static Request request(
      MigrationPlan plan,
      WindowPolicy policy,
      Instant from,
      List<String> canary,
      int concurrency,
      Timeouts timeouts,
      boolean autoApprove) {
    return new Request(
        policy,
        from,
        plan.addonVersions(),
        plan.namespaces(),
        plan.remainingNamespaces(),
        canary,
        concurrency,
        timeouts,
        autoApprove,
        plan.stepModels());
  }

  /**
   * {@code windows} with the cluster's own GKE maintenance policy added ({@code fromCluster}): its
   * windows and exclusions beside the given ones.
   */
  public static MaintenanceWindows withCluster(
      MaintenanceWindows windows, MaintenanceWindows cluster) {
    List<RecurringWindow> all = new ArrayList<>(windows.windows());
    all.addAll(cluster.windows());
    List<Exclusion> excluded = new ArrayList<>(windows.exclusions());
    excluded.addAll(cluster.exclusions());
    return new MaintenanceWindows(all, excluded, false, windows.margin());
  }

  /** The calendar in lines: each slot, then when it should end. */
  public static List<String> lines(Result r) {
    List<String> out = new ArrayList<>();
    r.slots().forEach(s -> out.add(s.describe()));
    out.add(r.endText());
    return out;
  }

  /** Lays the run out over its windows. */
  public static Result of(Request r) {
    WindowPolicy p = r.policy();
    boolean gated = !p.windows().isAnyTime() && !p.overridden();
    WindowCalendar calendar = gated ? WindowCalendar.of(p.windows(), r.from()) : null;
    String zone = p.windows().windows().isEmpty() ? "UTC" : p.windows().windows().get(0).zone();
    Duration margin = p.windows().margin();
    Sizing sizing =
        new Sizing(
            r.addonVersions().size(),
            r.namespaces().size(),
            (int) r.namespaces().stream().filter(ns -> r.canary().contains(ns.name())).count(),
            r.remaining().size(),
            r.namespaces().stream().mapToInt(NamespacePlan::workloads).sum()
                + r.remaining().stream().mapToInt(NamespacePlan::workloads).sum(),
            r.concurrency());
    int total = r.namespaces().size() + r.remaining().size();
    Layout out = new Layout(calendar, zone, total);
    Instant t = p.notBefore() != null && p.notBefore().isAfter(r.from()) ? p.notBefore() : r.from();
    List<String> afterApproval = new ArrayList<>();
    boolean approved = true;
    for (Step s : Step.values()) {
      if (!s.appliesTo(r.addonVersions())) {
        continue;
      }
      if (s == Step.APPROVAL) {
        approved = r.autoApprove();
        continue;
      }
      if (!approved) {
        afterApproval.add(label(s));
        continue;
      }
      if (s == Step.MIGRATE_WORKLOADS || s == Step.MIGRATE_REMAINING_WORKLOADS) {
        List<NamespacePlan> list = s == Step.MIGRATE_WORKLOADS ? r.namespaces() : r.remaining();
        List<String> canary = s == Step.MIGRATE_WORKLOADS ? r.canary() : List.of();
        for (List<NamespacePlan> wave : waves(list, canary, r.concurrency())) {
          Estimate e = Estimates.wave(wave, List.of(), r.timeouts());
          Optional<Instant> at = fit(calendar, t, e.needs(margin));
          if (at.isEmpty()) {
            return out.unplaced(
                "no window of the next year holds a wave of "
                    + wave.size()
                    + " namespace"
                    + (wave.size() == 1 ? "" : "s")
                    + " ("
                    + e.describe()
                    + " + margin "
                    + Estimates.text(margin)
                    + ")");
          }
          t = at.get();
          out.namespaces(t, s, wave.size());
          t = t.plus(e.work());
          out.until(t);
        }
        continue;
      }
      Estimate e = Estimates.step(s, null, r.stepModel(s), sizing, r.timeouts());
      if (s.declaration().disruption().disturbsTraffic()) {
        Optional<Instant> at = fit(calendar, t, e.needs(margin));
        if (at.isEmpty()) {
          return out.unplaced(
              "no window of the next year holds step "
                  + s.id()
                  + " ("
                  + e.describe()
                  + " + margin "
                  + Estimates.text(margin)
                  + ")");
        }
        t = at.get();
      }
      out.step(t, s);
      t = t.plus(e.work());
      out.until(t);
    }
    return new Result(out.slots(), t, zone, List.copyOf(afterApproval), null);
  }

  /** When work that needs this long may start from {@code t} on: the gate's rule. */
  private static Optional<Instant> fit(WindowCalendar calendar, Instant t, Duration needs) {
    if (calendar == null || calendar.holds(t, needs)) {
      return Optional.of(t);
    }
    return calendar.nextFit(t, needs).map(Opening::start);
  }

  /** The workflow's waves: each canary alone, then the rest in waves of the concurrency. */
  static List<List<NamespacePlan>> waves(
      List<NamespacePlan> namespaces, List<String> canary, int concurrency) {
    List<List<NamespacePlan>> waves = new ArrayList<>();
    List<NamespacePlan> rest = new ArrayList<>();
    for (NamespacePlan ns : namespaces) {
      if (canary.contains(ns.name())) {
        waves.add(List.of(ns));
      } else {
        rest.add(ns);
      }
    }
    int size = Math.max(1, concurrency);
    for (int i = 0; i < rest.size(); i += size) {
      waves.add(List.copyOf(rest.subList(i, Math.min(rest.size(), i + size))));
    }
    return waves;
  }

  /** A step in the calendar's words. */
  static String label(Step s) {
    return switch (s) {
      case PREFLIGHT -> "pre-flight";
      case FLEET_REGISTRATION -> "fleet registration";
      case CONTROL_PLANE -> "control plane";
      case CONFIG_CHECK -> "config-check";
      case DISABLE_GALLEY_WEBHOOK -> "Galley webhook off";
      case MIGRATE_CONFIGS -> "authentication policies";
      case CONFIGURE_MESH_CA -> "Mesh CA";
      case MIGRATE_WORKLOADS, MIGRATE_REMAINING_WORKLOADS -> "namespaces";
      case REPLACE_GATEWAY -> "ingress gateway";
      case REPLACE_WEBHOOK -> "injection webhook";
      case WRITE_MARKER -> "SUCCESS marker";
      case APPROVAL -> "approval";
      case DISABLE_ADDON -> "add-on disabled";
      case CLEANUP -> "cleanup";
    };
  }

  /** {@code t} in {@code zone}'s local time: {@code Sat 12 Dec 02:00 Europe/Berlin}. */
  public static String local(Instant t, String zone) {
    ZoneId z = ZoneId.of(zone == null ? "UTC" : zone);
    return DAY_TIME.format(t.atZone(z)) + " " + z.getId();
  }

  /** The slots as the walk fills them. */
  private static final class Layout {
    private final WindowCalendar calendar;
    private final String zone;
    private final int total;
    private final List<Slot> slots = new ArrayList<>();

    Layout(WindowCalendar calendar, String zone, int total) {
      this.calendar = calendar;
      this.zone = zone;
      this.total = total;
    }

    void step(Instant t, Step s) {
      Slot slot = slotAt(t);
      List<String> work = new ArrayList<>(slot.work());
      work.add(label(s));
      replace(slot, work, slot.namespaces(), s);
    }

    void namespaces(Instant t, Step s, int count) {
      Slot slot = slotAt(t);
      List<String> work = new ArrayList<>(slot.work());
      String last = work.isEmpty() ? "" : work.get(work.size() - 1);
      int n = count;
      if (last.endsWith(" of " + total + " namespaces") && slot.steps().contains(s.id())) {
        n += Integer.parseInt(last.substring(0, last.indexOf(' ')));
        work.remove(work.size() - 1);
      }
      work.add(n + " of " + total + " namespaces");
      replace(slot, work, slot.namespaces() + count, s);
    }

    /** Work outside the windows lasts until {@code t}. */
    void until(Instant t) {
      Slot last = slots.isEmpty() ? null : slots.get(slots.size() - 1);
      if (last != null && !last.window() && t.isAfter(last.end())) {
        slots.set(
            slots.size() - 1,
            new Slot(
                false, last.start(), t, last.zone(), last.work(), last.steps(), last.namespaces()));
      }
    }

    Result unplaced(String why) {
      return new Result(slots(), null, zone, List.of(), why);
    }

    List<Slot> slots() {
      return List.copyOf(slots);
    }

    private void replace(Slot slot, List<String> work, int namespaces, Step s) {
      List<String> steps = new ArrayList<>(slot.steps());
      if (!steps.contains(s.id())) {
        steps.add(s.id());
      }
      slots.set(
          slots.size() - 1,
          new Slot(
              slot.window(),
              slot.start(),
              slot.end(),
              slot.zone(),
              List.copyOf(work),
              List.copyOf(steps),
              namespaces));
    }

    /** The slot {@code t} falls in, the last one or a new one. */
    private Slot slotAt(Instant t) {
      Optional<Opening> open = calendar == null ? Optional.empty() : calendar.openAt(t);
      Slot last = slots.isEmpty() ? null : slots.get(slots.size() - 1);
      if (open.isPresent()) {
        Opening o = open.get();
        if (last != null && last.window() && last.start().equals(o.start())) {
          return last;
        }
        Slot s = new Slot(true, o.start(), o.end(), o.zone(), List.of(), List.of(), 0);
        slots.add(s);
        return s;
      }
      if (last != null && !last.window()) {
        return last;
      }
      Slot s = new Slot(false, t, t, zone, List.of(), List.of(), 0);
      slots.add(s);
      return s;
    }
  }
}
