/**
 * Block device backends behind NVMe namespaces.
 *
 * <p>{@link io.weft.block.BlockDevice} is the asynchronous contract; {@link
 * io.weft.block.MemoryBlockDevice} keeps data in the heap, {@link io.weft.block.FileBlockDevice} in
 * a sparse file, and {@link io.weft.block.BlockDevices} builds either from a specification string.
 */
package io.weft.block;
