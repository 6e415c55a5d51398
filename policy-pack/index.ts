/**
 * The rancher-audit CrossGuard policy pack. Run it on any stack:
 *   pulumi preview --policy-pack <path to this folder>
 * Constructing the PolicyPack starts the policy server, so nothing imports this module; the
 * policies live in policies.ts. See docs/policy-pack.md.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("rancher-audit", { policies: POLICIES });
