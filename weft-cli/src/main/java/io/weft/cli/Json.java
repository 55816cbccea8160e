package io.weft.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * JSON for {@code -o json}: pretty, like the admin API's answers that {@code weft ns list} shows.
 */
final class Json {
  private static final ObjectWriter PRETTY =
      JsonMapper.builder().build().writerWithDefaultPrettyPrinter();

  private Json() {}

  static String pretty(Object value) {
    try {
      return PRETTY.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
