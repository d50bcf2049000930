namespace LoraPipeline.Benchmarking;

/// <summary>
/// The allocator setting <c>lora bench memory</c> gives its child processes. glibc's malloc raises its mmap
/// threshold to the size of the largest block freed so far (up to 32 MiB), so after the first large tensor is freed
/// later tensors come from the heap, and temporaries freed between tensors that are still alive leave holes that stay
/// resident: with the default setting a training step's resident peak is the live tensors plus most of the forward
/// pass's freed temporaries (about 1.6× the live bytes on the cases here). Fixing the threshold at 128 KiB (glibc's
/// initial value) returns every freed tensor to the system at once, so the resident peak measures the live tensors,
/// which is what the estimates count and what a GPU's caching allocator reuses.
/// </summary>
internal static class GlibcMmapThreshold
{
    public const string Variable = "MALLOC_MMAP_THRESHOLD_";
    public const string Value = "131072";
}
