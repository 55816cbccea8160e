package io.weft.interop;

import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables a test class, with the reason in the report, when linux-peer cannot boot a guest here.
 * In CI (env CI set) the class stays enabled so that its setup fails with the same reason instead
 * (see {@link Interop#cannotRun}).
 */
final class LinuxPeerCondition implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<String> why = LinuxPeer.locate().whyUnavailable();
    if (why.isEmpty()) {
      return ConditionEvaluationResult.enabled("linux-peer can boot guests");
    }
    if (System.getenv("CI") != null) {
      return ConditionEvaluationResult.enabled("CI: the setup fails instead: " + why.get());
    }
    String reason = "interop suite skipped, linux-peer cannot run: " + why.get();
    System.out.println(reason + " (set CI to make this a failure)");
    return ConditionEvaluationResult.disabled(reason);
  }
}
