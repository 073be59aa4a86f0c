/**
 * Reads the summary iputils `ping` prints. Pure, so every odd output
 * (unknown host, total loss, duplicates) is a table row in the test.
 */

export interface PingSummary {
  packetsSent: number;
  packetsReceived: number;
  packetLossPercent: number;
  rttMinMs?: number;
  rttAvgMs?: number;
  rttMaxMs?: number;
}

const PACKETS = /(\d+) packets transmitted, (\d+) (?:packets )?received.*?([\d.]+)% packet loss/;
const RTT = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)/;

export function parsePingOutput(output: string): PingSummary | undefined {
  const packets = PACKETS.exec(output);
  if (!packets) return undefined;
  const summary: PingSummary = {
    packetsSent: Number(packets[1]),
    packetsReceived: Number(packets[2]),
    packetLossPercent: Number(packets[3]),
  };
  const rtt = RTT.exec(output);
  if (rtt) {
    summary.rttMinMs = Number(rtt[1]);
    summary.rttAvgMs = Number(rtt[2]);
    summary.rttMaxMs = Number(rtt[3]);
  }
  return summary;
}
