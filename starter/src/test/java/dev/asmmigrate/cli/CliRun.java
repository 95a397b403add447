package dev.asmmigrate.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the CLI, as a user would type it: its exit code, output and errors. */
record CliRun(int code, String out, String err) {
  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }
}
