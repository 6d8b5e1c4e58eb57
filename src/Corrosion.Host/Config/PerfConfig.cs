namespace Corrosion.Host.Config;

/// <summary><c>[perf]</c>: queue sizes and timings. Every field optional; defaults are the documented ones.</summary>
internal sealed class PerfConfig
{
    public long ApplyChannelLen { get; set; } = 2048;

    public long ChangesChannelLen { get; set; } = 1024;

    public long EmptiesChannelLen { get; set; } = 1024;

    public long ToSendChannelLen { get; set; } = 512;

    public long NotificationsChannelLen { get; set; } = 512;

    public long ScheduleChannelLen { get; set; } = 512;

    public long ClearbufChannelLen { get; set; } = 512;

    public long BcastChannelLen { get; set; } = 512;

    public long FocaChannelLen { get; set; } = 256;

    public long WalThresholdMb { get; set; } = 5120;

    /// <summary>Seconds.</summary>
    public long SqlTxTimeout { get; set; } = 60;

    /// <summary>Seconds.</summary>
    public long MinSyncBackoff { get; set; } = 1;

    /// <summary>Seconds.</summary>
    public long MaxSyncBackoff { get; set; } = 15;

    /// <summary>Seconds; 0 disables.</summary>
    public long PartialRetryBackoff { get; set; }

    public long ProcessingQueueLen { get; set; } = 20000;

    public long ApplyQueueTimeout { get; set; } = 10;

    public long ApplyQueueMinBatchSize { get; set; } = 100;

    public long ApplyQueueStepBase { get; set; } = 500;

    public long ApplyQueueMaxBatchSize { get; set; } = 16000;

    public double ApplyQueueBatchThresholdRatio { get; set; } = 0.9;
}
