/** Named limits and timings of LAN discovery (DESIGN §5: an announcement is a hint, size- and rate-limited). */

/** The DNS-SD service type: `_peerline._tcp.local`. */
export const SERVICE_TYPE = 'peerline';
/** The version of what an announcement's TXT record carries. */
export const ANNOUNCEMENT_VERSION = '1';
/**
 * A datagram longer than this is dropped before it is parsed. Ours are a few hundred bytes; an Ethernet frame's
 * payload is 1500, and mDNS on a LAN stays inside one frame.
 */
export const MAX_DISCOVERY_DATAGRAM_BYTES = 1500;
/** Datagrams a second one source address may send us, and the burst it may start with. */
export const DATAGRAMS_PER_SECOND_PER_SOURCE = 4;
export const DATAGRAM_BURST_PER_SOURCE = 16;
/** Source addresses whose rate is remembered; past this the quietest is forgotten (a spoofing flood stays bounded). */
export const MAX_TRACKED_SOURCES = 256;
/** The most nearby peers kept; past this the one heard longest ago is dropped. */
export const MAX_NEARBY_PEERS = 64;
/** A nearby peer not heard again within this is dropped. */
export const NEARBY_EXPIRY_MS = 45_000;
/** How often we ask the network who is there (a new query refreshes every entry). */
export const QUERY_INTERVAL_MS = 15_000;
/** How often the network interfaces are read again (a laptop joins Wi-Fi, a cable is plugged in). */
export const INTERFACE_RESCAN_MS = 30_000;
/** Stopping sends goodbye records first; past this long the sockets close without waiting for them. */
export const STOP_TIMEOUT_MS = 1000;
