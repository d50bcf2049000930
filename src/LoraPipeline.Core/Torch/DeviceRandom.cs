using TorchSharp;
using static TorchSharp.torch;

namespace LoraPipeline.Torch;

/// <summary>
/// Random draws that work on every device. TorchSharp 0.107 makes every <see cref="Generator"/> on the CPU whatever
/// device it is given (its native <c>THSGenerator_new</c> ignores the device), libtorch refuses a CPU generator for a
/// CUDA draw, and <c>torch.manual_seed</c> seeds only the CPU's default generator. So a draw on a GPU is made by that
/// device's default generator, seeded just before from our own CPU generator: the CPU generator's state still decides
/// every draw (capturing and restoring it replays a mask for recomputation and resume), and a CPU draw is what it
/// always was, bit for bit.
/// </summary>
internal static class DeviceRandom
{
    /// <summary>Uniform [0, 1) float32 values of <paramref name="shape"/> on <paramref name="device"/>, decided by
    /// <paramref name="generator"/> (a CPU generator, which this advances).</summary>
    public static Tensor Uniform(long[] shape, Device device, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(generator);
        return device.type == DeviceType.CPU
            ? rand(shape, ScalarType.Float32, device, generator: generator)
            : UniformThroughDefaultGenerator(shape, device, generator);
    }

    /// <summary>
    /// The non-CPU path of <see cref="Uniform"/>: a seed drawn from <paramref name="generator"/> seeds the default
    /// generator of <paramref name="device"/>'s type (every GPU), which then draws. Internal so that tests can run it on
    /// the CPU, where it seeds the CPU's default generator instead.
    /// </summary>
    internal static Tensor UniformThroughDefaultGenerator(long[] shape, Device device, Generator generator)
    {
        long seed;
        using (var draw = randint(0, long.MaxValue, [1], ScalarType.Int64, CPU, generator: generator)) seed = draw.item<long>();
        SeedDefault(device.type, seed);
        return rand(shape, ScalarType.Float32, device);
    }

    /// <summary>Seeds the default generators of the CPU and of every CUDA device (what PyTorch's <c>torch.manual_seed</c>
    /// does; TorchSharp's seeds the CPU's only).</summary>
    public static void SeedAll(long seed)
    {
        manual_seed(seed);
        if (cuda.is_available()) cuda.manual_seed_all(seed);
    }

    private static void SeedDefault(DeviceType type, long seed)
    {
        switch (type)
        {
            case DeviceType.CPU: manual_seed(seed); break;
            case DeviceType.CUDA: cuda.manual_seed_all(seed); break;
            default: throw new NotSupportedException($"random draws on {type} devices are not supported; use cpu or cuda");
        }
    }
}
