namespace LoraPipeline.Sizing;

/// <summary>
/// Memory that is not tensors of the model: a constant per device and a workspace proportional to the tensors.
/// </summary>
internal static class FrameworkOverhead
{
    /// <summary>
    /// Per GPU: the CUDA context, cuBLAS/cuDNN handles and libtorch's own buffers, about 1 GiB on current GPUs
    /// (<c>nvidia-smi</c> shows 0.5–1 GiB for a process that has only initialised CUDA).
    /// </summary>
    public const long GpuConstantBytes = 1L << 30;

    /// <summary>
    /// Workspace as a share of the tensors: the caching allocator's fragmentation (memory reserved but not
    /// allocated) and kernel workspaces, typically 5–15 % of the allocated bytes; 10 % is used.
    /// </summary>
    public const double WorkspaceShare = 0.10;

    /// <summary>Bytes a device needs for <paramref name="tensorBytes"/> of tensors: tensors + workspace + constant.</summary>
    public static long DeviceBytes(long tensorBytes, long constantBytes = GpuConstantBytes) =>
        tensorBytes + Workspace(tensorBytes) + constantBytes;

    /// <summary>The workspace for <paramref name="tensorBytes"/> of tensors.</summary>
    public static long Workspace(long tensorBytes) => (long)Math.Ceiling(tensorBytes * WorkspaceShare);
}
