package io.weft.tgt.admin;

/**
 * One resource of the management API: registers its routes. Other modules add theirs through {@link
 * AdminServer#start(io.weft.tgt.Target, String, int, java.util.List)} (a storage node adds the
 * cluster view).
 */
public interface AdminResource {
  void register(Router router);
}
