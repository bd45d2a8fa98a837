import type { DoctorReport } from '../../shared/ipc/contract';

/** `/doctor`: the facts of "Check my connectivity", one per line. */
export function doctorLines(report: DoctorReport): string[] {
  const lines = [
    `* listening on ${report.host}:${report.port}`,
    `* others on your network can dial: ${report.addresses.length > 0 ? report.addresses.join(', ') : 'no address (no network interface)'}`,
  ];
  if (!report.dht) {
    lines.push('* not reachable by key: start with --dht to be reachable over the internet by your key (it reveals your IP address to anyone who knows the key)');
  } else {
    const { dht } = report;
    lines.push(
      `* reachable by key: ${dht.announced ? 'your key is announced on the DHT' : 'not announced yet'}`,
      `* NAT: ${dht.natType}${dht.publicAddress ? `, the DHT sees you at ${dht.publicAddress}` : ''}. ${dht.reachability}`,
      ...(dht.bootstrap.length > 0 ? [`* DHT bootstrap nodes: ${dht.bootstrap.join(', ')}`] : []),
      `* DHT relay: ${dht.relay ?? 'none (the default; set one with --dht-relay KEY for NATs that cannot be punched)'}`,
    );
  }
  lines.push(`* your invite link: ${report.link}`);
  return lines;
}
