package dev.asmmigrate.config.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asmmigrate.config.Finding;
import java.util.List;

/**
 * What the converter produced.
 *
 * @param converted the {@code security.istio.io/v1beta1} objects to apply, in the order the
 *     reference converter emits them; a policy with any blocking finding contributes none
 * @param findings blocking findings for policies that cannot be converted, informational ones for
 *     conversions worth a second look; in policy order
 */
public record ConversionResult(List<ObjectNode> converted, List<Finding> findings) {

  public ConversionResult {
    converted = List.copyOf(converted);
    findings = List.copyOf(findings);
  }

  /** True when at least one policy cannot be converted. */
  public boolean hasBlockingFindings() {
    return findings.stream().anyMatch(f -> f.severity().blocks());
  }
}
