/**
 * Canonical hosted zone ids of AWS alias targets: the `AliasTarget.HostedZoneId` Route 53 expects for a given service and
 * region. Not the id of your own hosted zone, and not something you can make up: a wrong id is rejected by
 * ChangeResourceRecordSets or, worse, copied between regions so the secondary points at the wrong region's zone.
 *
 * Sources (AWS General Reference, "service endpoints" pages):
 * - Elastic Load Balancing endpoints and quotas, https://docs.aws.amazon.com/general/latest/gr/elb.html
 *   ("Route 53 Hosted Zone ID (Application Load Balancers, Classic Load Balancers)" and "(Network Load Balancers)").
 * - Amazon Simple Storage Service endpoints and quotas, https://docs.aws.amazon.com/general/latest/gr/s3.html
 *   ("Amazon S3 website endpoints", Route 53 Hosted Zone ID column).
 * - Amazon API Gateway endpoints and quotas, https://docs.aws.amazon.com/general/latest/gr/apigateway.html
 *   (regional endpoints; edge-optimized endpoints use Z2FDTNDATAQYW2 in every region).
 * - Route 53 API Reference, AliasTarget, https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html
 *   (CloudFront: Z2FDTNDATAQYW2).
 * A region missing here is not an error: the check says it could not verify the id. Every row agrees with the
 * Terraform AWS provider's tables (elbv2 and s3 `hosted_zones`) and, where it has them, AWS CDK's region facts; a
 * row where those copies disagree is left out rather than guessed.
 */

export const CLOUDFRONT_ZONE_ID = 'Z2FDTNDATAQYW2';

/** Application and Classic Load Balancers share one id per region. */
export const ELB_ZONE_IDS: Readonly<Record<string, string>> = {
  'us-east-1': 'Z35SXDOTRQ7X7K',
  'us-east-2': 'Z3AADJGX6KTTL2',
  'us-west-1': 'Z368ELLRRE2KJ0',
  'us-west-2': 'Z1H1FL5HABSF5',
  'af-south-1': 'Z268VQBMOI5EKX',
  'ap-east-1': 'Z3DQVH9N71FHZ0',
  'ap-south-1': 'ZP97RAFLXTNZK',
  'ap-south-2': 'Z0173938T07WNTVAEPZN',
  'ap-northeast-1': 'Z14GRHDCWA56QT',
  'ap-northeast-2': 'ZWKZPGTI48KDX',
  'ap-northeast-3': 'Z5LXEXXYW11ES',
  'ap-southeast-1': 'Z1LMS91P8CMLE5',
  'ap-southeast-2': 'Z1GM3OXH4ZPM65',
  'ap-southeast-3': 'Z08888821HLRG5A9ZRTER',
  'ca-central-1': 'ZQSVJUPU6J1EY',
  'eu-central-1': 'Z215JYRZR1TBD5',
  'eu-north-1': 'Z23TAZ6LKFMNIO',
  'eu-south-1': 'Z3ULH7SSC9OV64',
  'eu-west-1': 'Z32O12XQLNTSW2',
  'eu-west-2': 'ZHURV8PSTC4K8',
  'eu-west-3': 'Z3Q77PNBQS71R4',
  'me-south-1': 'ZS929ML54UICD',
  'sa-east-1': 'Z2P70J7HTTTPLU',
  'us-gov-east-1': 'Z166TLBEWOO7G0',
  'us-gov-west-1': 'Z33AYJ8TM3BH4J',
  'ap-southeast-4': 'Z09517862IB2WZLPXG76F',
  'ca-west-1': 'Z06473681N0SF6OS049SD',
  'eu-central-2': 'Z06391101F2ZOEP8P5EB3',
  'eu-south-2': 'Z0956581394HF5D5LXGAP',
  'il-central-1': 'Z09170902867EHPV2DABU',
  'me-central-1': 'Z08230872XQRWHG2XF6I',
};

export const NLB_ZONE_IDS: Readonly<Record<string, string>> = {
  'us-east-1': 'Z26RNL4JYFTOTI',
  'us-east-2': 'ZLMOA37VPKANP',
  'us-west-1': 'Z24FKFUX50B4VW',
  'us-west-2': 'Z18D5FSROUN65G',
  'af-south-1': 'Z203XCE67M25HM',
  'ap-east-1': 'Z12Y7K3UBGUAD1',
  'ap-south-1': 'ZVDDRBQ08TROA',
  'ap-south-2': 'Z0711778386UTO08407HT',
  'ap-northeast-1': 'Z31USIVHYNEOWT',
  'ap-northeast-2': 'ZIBE1TIR4HY56',
  'ap-northeast-3': 'Z1GWIQ4HH19I5X',
  'ap-southeast-1': 'ZKVM4W9LS7TM',
  'ap-southeast-2': 'ZCT6FZBF4DROD',
  'ap-southeast-3': 'Z01971771FYVNCOVWJU1G',
  'ca-central-1': 'Z2EPGBW3API2WT',
  'eu-central-1': 'Z3F0SRJ5LGBH90',
  'eu-north-1': 'Z1UDT6IFJ4EJM',
  'eu-south-1': 'Z23146JA1KNAFP',
  'eu-west-1': 'Z2IFOLAFXWLO4F',
  'eu-west-2': 'ZD4D7Y8KGAS4G',
  'eu-west-3': 'Z1CMS0P5QUZ6D5',
  'me-south-1': 'Z3QSRYVP46NYYV',
  'sa-east-1': 'ZTK26PT1VY4CU',
  'us-gov-east-1': 'Z1ZSMQQ6Q24QQ8',
  'us-gov-west-1': 'ZMG1MZ2THAWF1',
  'ap-southeast-4': 'Z01156963G8MIIL7X90IV',
  'ca-west-1': 'Z02754302KBB00W2LKWZ9',
  'eu-central-2': 'Z02239872DOALSIDCX66S',
  'eu-south-2': 'Z1011216NVTVYADP1SSV',
  'il-central-1': 'Z0313266YDI6ZRHTGQY4',
  'me-central-1': 'Z00282643NTTLPANJJG2P',
};

/**
 * S3 website endpoints: `s3-website-<region>` in older regions, `s3-website.<region>` in newer ones; one id per region.
 * af-south-1 and eu-south-1 are left out on purpose: widely used copies (AWS CDK's fact tables, the Terraform
 * provider) disagree on them, and a wrong id here would report a correct record as an error.
 */
export const S3_WEBSITE_ZONE_IDS: Readonly<Record<string, string>> = {
  'us-east-1': 'Z3AQBSTGFYJSTF',
  'us-east-2': 'Z2O1EMRO9K5GLX',
  'us-west-1': 'Z2F56UZL2M1ACD',
  'us-west-2': 'Z3BJ6K6RIION7M',
  'ap-east-1': 'ZNB98KWMFR0R6',
  'ap-south-1': 'Z11RGJOFQNVJUP',
  'ap-south-2': 'Z02976202B4EZMXIPMXF7',
  'ap-northeast-1': 'Z2M4EHUR26P7ZW',
  'ap-northeast-2': 'Z3W03O7B5YMIYP',
  'ap-northeast-3': 'Z2YQB5RD63NC85',
  'ap-southeast-1': 'Z3O0J2DXBE1FTB',
  'ap-southeast-2': 'Z1WCIGYICN2BYD',
  'ap-southeast-3': 'Z01846753K324LI26A3VV',
  'ca-central-1': 'Z1QDHH18159H29',
  'eu-central-1': 'Z21DNDUVLTQW6Q',
  'eu-north-1': 'Z3BAZG2TWCNX0D',
  'eu-west-1': 'Z1BKCTXD74EZPE',
  'eu-west-2': 'Z3GKZC51ZF0DB4',
  'eu-west-3': 'Z3R1K369G5AVDG',
  'me-south-1': 'Z1MPMWCPA7YB62',
  'sa-east-1': 'Z7KQH4QJS55SO',
  'us-gov-east-1': 'Z2NIFVYYW2VKV1',
  'us-gov-west-1': 'Z31GFT0UA1I2HV',
};

/** API Gateway regional custom domain names (`d-xxxx.execute-api.<region>.amazonaws.com`). */
export const APIGATEWAY_ZONE_IDS: Readonly<Record<string, string>> = {
  'us-east-1': 'Z1UJRXOUMOOFQ8',
  'us-east-2': 'ZOJJZC49E0EPZ',
  'us-west-1': 'Z2MUQ32089INYE',
  'us-west-2': 'Z2OJLYMUO9EFXC',
  'af-south-1': 'Z2DHW2332DAMTN',
  'ap-east-1': 'Z3FD1VL90ND7K5',
  'ap-south-1': 'Z3VO1THU9YC4UR',
  'ap-northeast-1': 'Z1YSHQZHG15GKL',
  'ap-northeast-2': 'Z20JF4UZKIW1U8',
  'ap-northeast-3': 'Z22ILHG95FLSZ2',
  'ap-southeast-1': 'ZL327KTPIQFUL',
  'ap-southeast-2': 'Z2RPCDW04V8134',
  'ca-central-1': 'Z19DQILCV0OWEC',
  'eu-central-1': 'Z1U9ULNL0V5AJ3',
  'eu-north-1': 'Z3UWIKFBOOGXPP',
  'eu-south-1': 'Z3BT4WSQ9TDYZV',
  'eu-west-1': 'ZLY8HYME6SFDD',
  'eu-west-2': 'ZJ5UAJN8Y3Z2Q',
  'eu-west-3': 'Z3KY65QIEKYHQQ',
  'me-south-1': 'Z20ZBPC0SS8806',
  'sa-east-1': 'ZCMLWB8V5SYIT',
  'us-gov-east-1': 'Z3SE9ATJYCRCZJ',
  'us-gov-west-1': 'Z1K6XKP9SAGWDV',
};

export type AliasService = 'elb' | 'nlb' | 's3-website' | 'apigateway' | 'cloudfront';

export const SERVICE_LABEL: Readonly<Record<AliasService, string>> = {
  elb: 'Application/Classic Load Balancer',
  nlb: 'Network Load Balancer',
  's3-website': 'S3 website endpoint',
  apigateway: 'API Gateway regional endpoint',
  cloudfront: 'CloudFront distribution',
};

const REGIONAL: Readonly<Record<Exclude<AliasService, 'cloudfront'>, Readonly<Record<string, string>>>> = {
  elb: ELB_ZONE_IDS,
  nlb: NLB_ZONE_IDS,
  's3-website': S3_WEBSITE_ZONE_IDS,
  apigateway: APIGATEWAY_ZONE_IDS,
};

const R = '([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\\d{1,2})';
const PATTERNS: ReadonlyArray<[AliasService, RegExp]> = [
  // my-app-alb-1234567890.us-east-1.elb.amazonaws.com (ALB, CLB; internal- prefix for internal ones)
  ['elb', new RegExp(`^(?:dualstack\\.)?[a-z0-9-]+\\.${R}\\.elb\\.amazonaws\\.com\\.$`)],
  // my-app-nlb-0123456789abcdef.elb.us-east-1.amazonaws.com
  ['nlb', new RegExp(`^(?:dualstack\\.)?[a-z0-9-]+\\.elb\\.${R}\\.amazonaws\\.com\\.$`)],
  ['s3-website', new RegExp(`^(?:[a-z0-9.-]+\\.)?s3-website[.-]${R}\\.amazonaws\\.com\\.$`)],
  ['apigateway', new RegExp(`^[a-z0-9-]+\\.execute-api\\.${R}\\.amazonaws\\.com\\.$`)],
  ['cloudfront', /^[a-z0-9]+\.cloudfront\.net\.$/],
];

/** AWS services that are valid alias targets but whose zone ids vary per resource or are not tabled here. */
const UNVERIFIED_AWS = [
  /\.vpce\.amazonaws\.com\.$/,
  /\.elasticbeanstalk\.com\.$/,
  /\.awsglobalaccelerator\.com\.$/,
  /\.amazonaws\.com\.cn\.$/,
];

/** Domains only AWS can own: a record of yours can never live under them. */
const AWS_OWNED =
  /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|cloudfront\.net|elasticbeanstalk\.com|awsglobalaccelerator\.com)\.$/;

export const isAwsOwnedName = (name: string): boolean => AWS_OWNED.test(name);

export type AliasTargetKind =
  | { kind: 'service'; service: AliasService; region?: string; expected?: string }
  | { kind: 'aws-unverified' }
  /** Under an AWS-owned domain, but no AWS service names its endpoints like this. */
  | { kind: 'aws-unknown'; region?: string }
  | { kind: 'other' };

/** What an alias `DNSName` (normalised, trailing dot) points at, and the zone id it must then carry. */
export const classifyAliasTarget = (dnsName: string): AliasTargetKind => {
  for (const [service, re] of PATTERNS) {
    const m = re.exec(dnsName);
    if (!m) continue;
    if (service === 'cloudfront') return { kind: 'service', service, expected: CLOUDFRONT_ZONE_ID };
    const region = m[1] as string;
    const expected = REGIONAL[service][region];
    return expected ? { kind: 'service', service, region, expected } : { kind: 'service', service, region };
  }
  if (UNVERIFIED_AWS.some((re) => re.test(dnsName))) return { kind: 'aws-unverified' };
  if (isAwsOwnedName(dnsName)) {
    const region = dnsName.split('.').find((label) => new RegExp(`^${R}$`).test(label));
    return region ? { kind: 'aws-unknown', region } : { kind: 'aws-unknown' };
  }
  return { kind: 'other' };
};

/** Every alias zone id AWS uses in `region` (plus CloudFront's, valid everywhere), for "which would be right here". */
export const zoneIdsIn = (region: string): Array<{ service: AliasService; id: string }> => [
  ...(Object.entries(REGIONAL) as Array<[Exclude<AliasService, 'cloudfront'>, Record<string, string>]>).flatMap(
    ([service, table]) => (table[region] ? [{ service, id: table[region] as string }] : []),
  ),
  { service: 'cloudfront', id: CLOUDFRONT_ZONE_ID },
];

/** `the Application/Classic Load Balancer zone of us-east-1` for a known id, else undefined. */
export const describeZoneId = (id: string): string | undefined => {
  if (id === CLOUDFRONT_ZONE_ID) return `the ${SERVICE_LABEL.cloudfront} zone`;
  for (const [service, table] of Object.entries(REGIONAL) as Array<[AliasService, Record<string, string>]>) {
    const region = Object.keys(table).find((r) => table[r] === id);
    if (region) return `the ${SERVICE_LABEL[service]} zone of ${region}`;
  }
  return undefined;
};
