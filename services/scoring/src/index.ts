export { scoringService } from './scoring.service';
