package dev.asmmigrate.cli;

import dev.asmmigrate.sandbox.Sandbox;
import dev.asmmigrate.sandbox.SandboxSettings;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code asm-migrate demo}: the main job on embedded defaults. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a sandbox cluster running the Istio 1.4 add-on with Online Boutique, waits for it to",
      "settle and prints what kubectl would show of istio-system and online-boutique."
    })
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--pod-ready-delay",
      defaultValue = "300ms",
      converter = DurationConverter.class,
      description =
          "How long a started container takes to become Ready (default: ${DEFAULT-VALUE}).")
  Duration podReadyDelay;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    SandboxSettings settings =
        SandboxSettings.builder()
            .base(SandboxSettings.Base.ADDON_1_4)
            .apps(List.of("online-boutique"))
            .podReadyDelay(podReadyDelay)
            .build();
    out.println(
        "demo: starting a sandbox cluster with the Istio 1.4 add-on and Online Boutique...");
    out.flush();
    try (Sandbox sandbox = Sandbox.start(settings)) {
      if (!sandbox.awaitSettled(Duration.ofMinutes(2))) {
        out.println("demo: the cluster did not settle within 2 minutes");
        return ExitCodes.UNEXPECTED;
      }
      TableView view = new TableView(sandbox.kubernetesUrl());
      for (String ns : List.of("istio-system", "online-boutique")) {
        out.println();
        out.println("$ kubectl -n " + ns + " get deployments");
        out.print(view.render("/apis/apps/v1/namespaces/" + ns + "/deployments"));
        out.println();
        out.println("$ kubectl -n " + ns + " get pods");
        out.print(view.render("/api/v1/namespaces/" + ns + "/pods"));
      }
      out.println();
      out.println("$ kubectl -n istio-system get services");
      out.print(view.render("/api/v1/namespaces/istio-system/services"));
      out.println();
      out.println(
          "traffic: "
              + sandbox.trafficProbe().report().path("sent").asLong()
              + " requests, "
              + sandbox.trafficProbe().report().path("failed").asLong()
              + " failed");
      out.flush();
    }
    return ExitCodes.OK;
  }
}
