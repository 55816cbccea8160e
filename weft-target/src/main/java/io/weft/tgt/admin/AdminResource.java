package io.weft.tgt.admin;

/** One resource of the management API: registers its routes. */
interface AdminResource {
  void register(Router router);
}
