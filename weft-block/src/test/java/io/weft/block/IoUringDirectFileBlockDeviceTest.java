package io.weft.block;

/**
 * The io_uring tests again with O_DIRECT: the ring's own descriptor bypasses the page cache, and
 * buffers that are not aligned go through aligned bounce buffers.
 */
class IoUringDirectFileBlockDeviceTest extends IoUringFileBlockDeviceTest {
  @Override
  protected boolean direct() {
    return true;
  }
}
