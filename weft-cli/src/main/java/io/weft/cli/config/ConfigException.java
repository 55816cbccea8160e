package io.weft.cli.config;

/** A configuration that cannot be read or makes no sense; the message says where and why. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
