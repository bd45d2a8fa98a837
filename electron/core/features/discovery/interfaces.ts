/**
 * Which network interfaces Peerline announces itself on and listens for nearby peers on. A pure function of
 * `os.networkInterfaces()`, so it is tested with made-up tables.
 */
import type { NetworkInterfaceInfo } from 'node:os';

export interface EligibleInterface {
  /** The interface's name, `eth0`, `wlan0`, `en0`, `Ethernet 2`. */
  name: string;
  /** Its IPv4 address: where the mDNS socket joins the group and sends from. */
  address: string;
}

/**
 * Names of interfaces that are not the local network a person means: container and VM bridges and their veth
 * legs (docker, podman, libvirt, VirtualBox, VMware, Hyper-V/WSL, Kubernetes CNIs), and VPN tunnels (tun/tap,
 * WireGuard, utun, PPP, IPsec, Tailscale, ZeroTier). Announcing there would tell a VPN or a container our key.
 */
const NOT_THE_LAN =
  /^(docker|br-|veth|virbr|vnet|vboxnet|vmnet|lxcbr|lxdbr|cni|flannel|cali|weave|kube|podman|vethernet|virtualbox|vmware|hyper-v|tun|tap|wg|utun|ppp|ipsec|tailscale|zt|nordlynx|awdl|llw|anpi|bridge)/i;

/** 169.254.0.0/16: an address the host gave itself when no DHCP answered; nobody else is there on purpose. */
function isLinkLocalV4(address: string): boolean {
  return address.startsWith('169.254.');
}

function isLoopbackV4(address: string): boolean {
  return address.startsWith('127.');
}

/** Tunnels have no hardware address; loopback neither. */
const NO_MAC = '00:00:00:00:00:00';

/**
 * One IPv4 address per eligible interface: not loopback, not link-local, not a container/VM bridge, not a VPN
 * tunnel. IPv6 is left out: mDNS over IPv4 reaches every Peerline on a LAN, and a second family would announce
 * the same peer twice.
 */
export function eligibleInterfaces(table: Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>): EligibleInterface[] {
  const eligible: EligibleInterface[] = [];
  for (const [name, entries] of Object.entries(table)) {
    if (NOT_THE_LAN.test(name) || !entries) continue;
    const v4 = entries.find((entry) => entry.family === 'IPv4' && !entry.internal && !isLoopbackV4(entry.address) && !isLinkLocalV4(entry.address) && entry.mac !== NO_MAC);
    if (v4) eligible.push({ name, address: v4.address });
  }
  return eligible;
}
